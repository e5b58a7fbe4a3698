"""Load on ``emolab serve``: N respondents upload at once on loopback; how long, how much memory.

Starts ``emolab serve`` (its own process, a free port), then N threads each send a recording
as a respondent's page does (start, 256 kB chunks, finalisation), all at once. Prints: the
uploads accepted and the seconds until the last was; the seconds until every recording was
analysed; the analysis throughput (recordings a minute, reaction-seconds per wall-second, from
the first upload to the last analysis); the peak resident memory of the server process and of
its worker processes together (sampled every 0.2 s).

    python benchmarks/serve_load.py --respondents 20 --workers 2
    python benchmarks/serve_load.py --ad AD.webm --reaction FACE.webm --respondents 50

Without --ad/--reaction it uses emolab's demo ad and camera stand-in as VP8 WebM (a webcam
recording of the astronaut's face). Run it on a quiet machine: timings on a busy one mean little.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.serve_helpers import Served, adclock_for, upload_chunked  # noqa: E402


def sample_memory(pid: int, peak: dict, stop: threading.Event) -> None:
    proc = psutil.Process(pid)
    while not stop.is_set():
        try:
            server = proc.memory_info().rss
            workers = sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.Error:
            break
        peak["server"] = max(peak.get("server", 0), server)
        peak["workers"] = max(peak.get("workers", 0), workers)
        peak["total"] = max(peak.get("total", 0), server + workers)
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ad", type=Path, help="a browser-playable ad (default: the demo ad, 8 s)")
    parser.add_argument("--reaction", type=Path, help="a WebM/MP4 recording (default: the demo camera, as WebM)")
    parser.add_argument("--respondents", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="emolab-serve-load-"))
    from emolab.demo import make_demo_ad, make_demo_camera
    from emolab.media import probe_ad

    ad = args.ad or make_demo_ad(tmp / "ad.webm", seconds=8.0)
    ad_ms = probe_ad(ad).duration_ms
    reaction = args.reaction or make_demo_camera(tmp / "reaction.webm", seconds=ad_ms / 1000 + 1, fps=15.0)
    video = reaction.read_bytes()
    seconds = ad_ms / 1000 + 1
    clock = adclock_for(seconds, ad_ms)
    n = args.respondents
    with Served(tmp / "study", ad, "--invites", str(n), "--workers", str(args.workers)) as srv:
        peak: dict = {}
        stop = threading.Event()
        sampler = threading.Thread(target=sample_memory, args=(srv.proc.pid, peak, stop), daemon=True)
        sampler.start()
        t0 = time.monotonic()

        def respondent(i: int) -> int:
            with httpx.Client(base_url=srv.base, timeout=300.0) as client:
                return upload_chunked(client, srv.token(i), video, clock, chunk=256 * 1024).status_code

        with ThreadPoolExecutor(n) as pool:
            codes = list(pool.map(respondent, range(n)))
        uploaded = time.monotonic() - t0
        status = srv.wait_for(
            lambda s: s["counts"]["analysed"] + s["counts"]["failed"] == n, 60 + 30 * n, "every recording analysed"
        )
        analysed = time.monotonic() - t0
        stop.set()
        sampler.join()
    accepted = codes.count(201)
    print(f"{n} respondents, {len(video) / 1e6:.2f} MB and {seconds:.1f} s each, {args.workers} analysis workers")
    print(f"uploads accepted: {accepted}/{n} (others: {sorted(set(codes) - {201})}), last after {uploaded:.1f} s")
    counts = status["counts"]
    print(f"analysed: {counts['analysed']}, failed: {counts['failed']}, all done after {analysed:.1f} s")
    print(
        f"throughput: {60 * n / analysed:.1f} recordings/min, {n * seconds / analysed:.2f} reaction-s per wall-s "
        f"(from the first upload to the last analysis)"
    )
    print(
        f"peak memory: server {peak.get('server', 0) / 2**20:.0f} MB, workers {peak.get('workers', 0) / 2**20:.0f} MB, "
        f"together {peak.get('total', 0) / 2**20:.0f} MB"
    )
    return 0 if accepted == n and status["counts"]["analysed"] == n else 1


if __name__ == "__main__":
    sys.exit(main())
