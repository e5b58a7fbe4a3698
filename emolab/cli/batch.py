"""``emolab batch``: a panel's recorded reactions against one ad, in parallel, into sessions and a study."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emolab.cli.common import add_model_options, settings_from_args
from emolab.cli.norms import add_norms_options, add_to_norms, check_norms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="analyse a panel's reaction videos against an ad into sessions and one study",
        description="Analyse many recorded reactions to one ad in parallel: each becomes a session folder "
        "under STUDY_DIR/sessions (as 'emolab analyze' writes it), then study.html and its CSV files are "
        "built (as 'emolab aggregate' does). batch.json records every video's status, reason and seconds. "
        "Run it again to resume: complete sessions are kept, failed or unfinished ones are redone.",
    )
    p.add_argument("--ad", required=True, type=Path, help="the ad's video file")
    p.add_argument(
        "--reactions",
        required=True,
        type=Path,
        metavar="DIR|MANIFEST.csv",
        help="a folder with one video per respondent (id = file name without extension), or a CSV with "
        "columns file,respondent,offset_s (paths relative to the CSV's folder)",
    )
    p.add_argument("--out", required=True, type=Path, metavar="STUDY_DIR", help="the study folder")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="videos analysed at once, one core each (default: this machine's cores; with --engine ray, "
        "the cluster's CPUs)",
    )
    p.add_argument(
        "--engine",
        default="local",  # run_batch refuses other names (emolab.batch.ENGINES; not imported here: CLI start-up)
        help="local: worker processes on this machine (default); ray: Ray actors on a cluster "
        "(needs pip install 'emolab[cluster]')",
    )
    p.add_argument(
        "--address",
        default=None,
        metavar="HOST:PORT",
        help="with --engine ray: the cluster to join (as printed by 'ray start --head'; this machine must be "
        "one of its nodes); a cluster with token authentication gets the token Ray finds (RAY_AUTH_TOKEN, the "
        "file RAY_AUTH_TOKEN_PATH names, or ~/.ray/auth_token). Without it, a Ray cluster is started on this "
        "machine",
    )
    p.add_argument(
        "--calibration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds of resting face just before the ad, used as a baseline",
    )
    p.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    p.add_argument("--open", action="store_true", help="open the study in the default browser")
    add_norms_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from emolab.batch import Tally, run_batch
    from emolab.errors import BatchError

    if args.address and args.engine != "ray":
        raise BatchError("--address names a Ray cluster: add --engine ray")
    settings = settings_from_args(args, calibration_s=args.calibration)
    check_norms(args)
    bars: list[tqdm] = []

    def progress(tally: Tally, entry: dict | None) -> None:
        if entry is None:
            refused = tally.total - tally.to_run - tally.reused  # e.g. a file the manifest names is missing
            failed = f", {refused} cannot be analysed" if refused else ""
            print(
                f"{tally.total} reactions: {tally.reused} already analysed, {tally.to_run} to analyse{failed}",
                file=sys.stderr,
            )
            if tally.to_run:
                bars.append(
                    tqdm(total=tally.to_run, unit="video", desc="Analysing", disable=args.no_progress, file=sys.stderr)
                )
        for bar in bars:
            bar.set_postfix(
                done=tally.done - tally.failed, failed=tally.failed, remaining=tally.remaining, refresh=False
            )
            bar.update(0 if entry is None else 1)

    try:
        result = run_batch(
            args.ad,
            args.reactions,
            args.out,
            settings,
            engine=args.engine,
            workers=args.workers,
            address=args.address,
            progress=progress,
            norms_db=args.db,
            category=args.category,
        )
    finally:
        for bar in bars:
            bar.close()
    c = result.counts
    print(
        f"{c['reactions']} reactions: {c['ok']} ok, {c['warning']} with warnings, {c['failed']} failed "
        f"({c['reused']} reused from an earlier run); details in {result.out / 'batch.json'}"
    )
    for entry in result.entries:
        if entry["status"] == "failed":
            print(f"  failed  {entry['respondent']}: {entry['reason']}")
        elif entry["status"] == "warning":
            print(f"  warning {entry['respondent']}: {'; '.join(w['text'] for w in entry['warnings'])}")
    if result.study is not None:
        fresh = (result.record.get("study") or {}).get("rebuilt", True)
        print(f"Study {'written to' if fresh else 'up to date:'} {result.study} (CSV exports beside it)")
        add_to_norms(args, result.out)
        if args.open:
            import webbrowser

            webbrowser.open(result.study.resolve().as_uri())
    else:
        print("No study: no reaction could be analysed")
    return 1 if c["failed"] else 0
