"""Panel throughput: videos per minute of ``emolab batch`` with 1..N local workers and with Ray.

A panel of COPIES identical reactions is analysed from scratch for each configuration (no
study build). Prints, per configuration: wall time, videos per minute, reaction-seconds per
wall-second, and the per-core rate (reaction-seconds per worker-second, from the seconds each
worker spent on its videos, so start-up is excluded). Ends with a projection for a panel of
500 respondents x 60 s from the per-core rate.

    python benchmarks/batch_throughput.py --ad ../shared/data/videos/DogDog8.mp4 \
        --reaction ../shared/data/videos/single_face.mp4 --copies 8 --workers 1 2 --ray

Run it on a quiet machine: timings on a busy one mean little.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from emolab.batch import run_batch
from emolab.media import probe_ad
from emolab.settings import Settings


def make_panel(reaction: Path, copies: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i in range(copies):
        target = folder / f"P{i + 1:03d}{reaction.suffix}"
        try:
            target.hardlink_to(reaction)
        except OSError:
            shutil.copy(reaction, target)
    return folder


def measure(ad: Path, panel: Path, out: Path, engine: str, workers: int, address: str | None) -> dict:
    t0 = time.perf_counter()
    result = run_batch(
        ad, panel, out, Settings.load(), engine=engine, workers=workers, address=address, build_study=False
    )
    wall = time.perf_counter() - t0
    done = [e for e in result.entries if e["status"] in ("ok", "warning")]
    if len(done) != len(result.entries):
        failed = [e["reason"] for e in result.entries if e["status"] == "failed"]
        raise SystemExit(f"{len(failed)} videos failed: {failed[:3]}")
    return {
        "engine": engine,
        "workers": result.record["workers"],
        "videos": len(done),
        "wall_s": wall,
        "worker_s": sum(e["seconds"] for e in done),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ad", type=Path, required=True)
    p.add_argument("--reaction", type=Path, required=True, help="one reaction video, copied COPIES times")
    p.add_argument("--copies", type=int, default=8)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="local worker counts to try")
    p.add_argument("--ray", action="store_true", help="also run on Ray with the largest worker count")
    p.add_argument("--address", default=None, help="a Ray cluster to use instead of a local one")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = p.parse_args()

    seconds = probe_ad(args.reaction).duration_ms / 1000.0
    configs = [("local", w) for w in args.workers] + ([("ray", max(args.workers))] if args.ray else [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="emolab-bench-") as tmp:
        panel = make_panel(args.reaction, args.copies, Path(tmp) / "panel")
        for i, (engine, workers) in enumerate(configs):
            row = measure(args.ad, panel, Path(tmp) / f"study{i}", engine, workers, args.address)
            row["videos_per_min"] = row["videos"] / row["wall_s"] * 60.0
            row["reaction_s_per_wall_s"] = row["videos"] * seconds / row["wall_s"]
            row["per_core_rate"] = row["videos"] * seconds / row["worker_s"]
            rows.append(row)

    print(f"Panel: {args.copies} x {args.reaction.name} ({seconds:.1f} s each) against {args.ad.name}")
    print(f"{'engine':<7} {'workers':>7} {'wall s':>8} {'videos/min':>10} {'reaction-s/wall-s':>17} {'per core':>8}")
    for r in rows:
        print(
            f"{r['engine']:<7} {r['workers']:>7} {r['wall_s']:>8.1f} {r['videos_per_min']:>10.2f} "
            f"{r['reaction_s_per_wall_s']:>17.2f} {r['per_core_rate']:>8.2f}"
        )
    print("(wall time includes starting the workers and loading their models; 'per core' = reaction-seconds")
    print(" analysed per second of one worker's time, start-up excluded)")
    rate = min(r["per_core_rate"] for r in rows)
    total = 500 * 60.0
    print(f"\nProjection for 500 respondents x 60 s ({total:.0f} reaction-seconds), slowest per-core rate {rate:.2f}:")
    for cores in (1, 2, 8, 16, 64):
        hours = total / (rate * cores) / 3600.0
        print(f"  {cores:>3} cores: {hours:6.2f} h ({hours * 60:7.1f} min), ideal scaling, start-up not included")
    if args.json:
        args.json.write_text(json.dumps({"reaction_s": seconds, "rows": rows, "per_core_rate": rate}, indent=2))


if __name__ == "__main__":
    main()
