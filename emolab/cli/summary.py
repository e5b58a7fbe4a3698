"""``emolab summary``: print a session's summary, or rebuild it from its timeline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print or rebuild a session's summary.json")
    p.add_argument("session", type=Path, help="session folder")
    p.add_argument(
        "--rebuild", action="store_true", help="recompute summary.json from timeline.csv (e.g. after a crash)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.session import load_session, summary_for

    if args.rebuild:
        from emolab.report import rebuild_with_scenes

        summary = rebuild_with_scenes(args.session)
    else:
        session = load_session(args.session)
        summary = session.summary or summary_for(session.meta, session.timeline)
    print(json.dumps(summary, indent=2))
    return 0
