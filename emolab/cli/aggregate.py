"""``emolab aggregate``: combine sessions of one ad into a study (``study.html`` and CSV exports)."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import add_attentive_only_option
from emolab.cli.norms import add_norms_options, add_to_norms, check_norms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "aggregate",
        help="combine sessions of the same ad into a study report",
        description="Combine sessions recorded with the same ad (checked by its sha256) into "
        "study.html with mean curves and 95%% confidence bands, EmoNPS over respondents and a "
        "per-scene table, plus CSV exports. Sessions of different ads are refused.",
    )
    p.add_argument(
        "sessions",
        nargs="+",
        type=Path,
        metavar="SESSION_DIR",
        help="session folders, or folders holding session folders",
    )
    p.add_argument("--out", type=Path, required=True, help="folder for study.html and the CSV files")
    add_attentive_only_option(p)
    add_norms_options(p)
    p.add_argument("--open", action="store_true", help="open the study in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.report.study import build_study_report

    check_norms(args)
    path = build_study_report(
        args.sessions, args.out, attentive_only=args.attentive_only, norms_db=args.db, category=args.category
    )
    print(f"Study written to {path} (CSV exports beside it)")
    add_to_norms(args, args.out)
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
