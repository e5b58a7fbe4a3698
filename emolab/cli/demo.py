"""``emolab demo``: make the bundled example, analyse it offline and write its report; no downloads needed."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import add_model_options, print_session, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="generate the bundled example ad and camera clip, analyse them and write the report"
    )
    p.add_argument(
        "--folder",
        type=Path,
        default=Path.home() / "emolab-demo",
        help="where the demo clips and the session go (default ~/emolab-demo)",
    )
    p.add_argument("--make-only", action="store_true", help="only write the clips, print their paths")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from emolab.analysis import analyze_video
    from emolab.demo import ensure_demo
    from emolab.outputs import check_writable
    from emolab.pipeline import Pipeline
    from emolab.report import build_session_report

    check_writable(args.folder, "the demo", "choose a writable folder with --folder")
    ad, camera = ensure_demo(args.folder)
    print(f"Demo ad: {ad}\nDemo camera stand-in: {camera}")
    if args.make_only:
        return 0
    settings = settings_from_args(args, sessions_dir=args.folder / "sessions")
    pipeline = Pipeline.from_settings(settings)
    print(f"Using {pipeline.describe()}")
    with tqdm(unit="frame", desc="Analysing demo") as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        folder, summary = analyze_video(ad, camera, settings, respondent="demo", pipeline=pipeline, progress=progress)
    print_session(folder, summary, report=build_session_report(folder))
    return 0
