"""``emolab compare``: two or more studies of ad variants side by side, with honest statistics."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import add_attentive_only_option
from emolab.cli.norms import check_norms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare studies of ad variants (which cut wins, where, how sure)",
        description="Compare studies (folders written by 'emolab aggregate' or 'emolab batch'), the first "
        "being the baseline: overlaid curves with 95%% bands, the difference second by second and by shared "
        "scene, KPIs tested with Welch's t or a permutation test (small studies), false-discovery-rate control, "
        "a verdict in words and each KPI's percentile among the norms. Writes compare.html, compare.json and "
        "CSV files into --out; nothing is written when an input cannot be compared.",
    )
    p.add_argument("studies", nargs="+", type=Path, metavar="STUDY_DIR", help="study folders, the baseline first")
    p.add_argument("--out", type=Path, required=True, help="folder for compare.html, compare.json and the CSV files")
    p.add_argument(
        "--category",
        default=None,
        help="rank the variants among the norms of this category (default: each study's own category in the "
        "norms library, else every category)",
    )
    p.add_argument("--db", type=Path, default=None, help="the norms library file (default: the user's)")
    add_attentive_only_option(p)
    p.add_argument("--open", action="store_true", help="open the comparison in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.compare.report import build_compare_report
    from emolab.errors import StudyError

    if len(args.studies) < 2:
        raise StudyError("give at least two study folders to compare (the baseline first)")
    check_norms(args)  # a --db that cannot be read stops the command before any work
    path = build_compare_report(
        args.studies, args.out, attentive_only=args.attentive_only, db=args.db, category=args.category
    )
    print(f"Comparison written to {path} (compare.json and CSV files beside it)")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
