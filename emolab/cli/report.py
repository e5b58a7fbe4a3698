"""``emolab report``: write a session's self-contained ``report.html``."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import add_attentive_only_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write a session's report.html (opens offline in any browser)",
        description="Write report.html into the session folder: emotion curves against ad time, "
        "shares, EEI and EmoNPS explained, key moments with ad thumbnails, scenes and data quality. "
        "Only the report is written; the session's files are not changed.",
    )
    p.add_argument("session", type=Path, help="session folder")
    p.add_argument(
        "--baseline",
        action="store_true",
        help="correct each emotion by the respondent's resting level (needs calibration seconds)",
    )
    p.add_argument("--out", type=Path, default=None, help="where to write the report (default: SESSION/report.html)")
    add_attentive_only_option(p)
    p.add_argument("--open", action="store_true", help="open the report in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.report.session_report import build_session_report

    path = build_session_report(args.session, baseline=args.baseline, out=args.out, attentive_only=args.attentive_only)
    print(f"Report written to {path}")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
