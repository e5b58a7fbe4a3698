"""``emolab analyze``: a recorded reaction video against the ad, into a session folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emolab.cli.common import add_model_options, print_session, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse a recorded reaction video against an ad",
        description="Analyse a reaction video against the ad it was filmed watching. "
        "OFFSET is how many seconds the recording started before the ad: reaction second t is ad "
        "second t - OFFSET (the recording started 2 s before the ad: --offset 2; reaction second 5 "
        "is ad second 3).",
    )
    p.add_argument("--ad", required=True, type=Path, help="the ad's video file")
    p.add_argument("--reaction", required=True, type=Path, help="the respondent's recorded video")
    p.add_argument(
        "--offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds the recording started before the ad (negative: after the ad began; default 0)",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="session folder to create (default: a new folder in the sessions folder)"
    )
    p.add_argument("--sessions-dir", type=Path, default=None, help="where new session folders go")
    p.add_argument("--respondent", default=None, help="respondent id (default: the video's file name)")
    p.add_argument(
        "--calibration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds of resting face just before the ad, used as a baseline",
    )
    p.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from emolab.analysis import analyze_video, check_inputs
    from emolab.outputs import check_writable
    from emolab.pipeline import Pipeline

    settings = settings_from_args(args, sessions_dir=args.sessions_dir, calibration_s=args.calibration)
    inputs = check_inputs(args.ad, args.reaction, args.offset, args.out)  # refuse impossible inputs before any work
    check_writable(
        args.out or settings.sessions_dir, "the session", "choose a writable folder with --out or --sessions-dir"
    )
    print("Loading models...", file=sys.stderr)
    pipeline = Pipeline.from_settings(settings)
    print(f"Using {pipeline.describe()}", file=sys.stderr)
    bar = tqdm(unit="frame", desc="Analysing", disable=args.no_progress, file=sys.stderr)

    def progress(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        folder, summary = analyze_video(
            args.ad,
            args.reaction,
            settings,
            out=args.out,
            offset_s=args.offset,
            respondent=args.respondent,
            pipeline=pipeline,
            progress=progress,
            inputs=inputs,
        )
    finally:
        bar.close()
    print_session(folder, summary)
    return 0
