"""``emolab analyze``: a recorded reaction video against the ad, into a session folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from emolab.cli.common import add_model_options, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse a recorded reaction video against an ad",
        description="Analyse a reaction video against the ad it was filmed watching. "
        "Reaction time t is ad time t - OFFSET.",
    )
    p.add_argument("--ad", required=True, type=Path, help="the ad's video file")
    p.add_argument("--reaction", required=True, type=Path, help="the respondent's recorded video")
    p.add_argument(
        "--offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds the recording started before the ad (default 0)",
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

    from emolab.analysis import analyze_video
    from emolab.pipeline import Pipeline

    settings = settings_from_args(args, sessions_dir=args.sessions_dir, calibration_s=args.calibration)
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
        )
    finally:
        bar.close()
    print(f"Session written to {folder}")
    shown = {k: summary[k] for k in ("frames", "face_ratio", "group_share", "eei", "emonps", "processed_fps")}
    print(json.dumps(shown, indent=2))
    return 0
