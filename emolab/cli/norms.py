"""``emolab norms``: the library of past studies' KPIs every new ad is ranked against."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.common import add_attentive_only_option


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="FILE",
        help="the norms library file (default: $EMOLAB_NORMS_DB, else norms.sqlite in the user's data folder)",
    )


def add_norms_options(parser: argparse.ArgumentParser) -> None:
    """``--add-to-norms``, ``--category``, ``--brand`` and ``--db`` of the commands that build a study."""
    parser.add_argument(
        "--add-to-norms",
        action="store_true",
        help="when the study is built, add its KPIs to the norms library (off by default)",
    )
    parser.add_argument(
        "--category",
        default=None,
        help="the study's product category: the norms it is ranked among, and the one it is filed under "
        "with --add-to-norms",
    )
    parser.add_argument("--brand", default="", help="with --add-to-norms: the brand it is filed under")
    add_db_option(parser)


def check_norms(args: argparse.Namespace) -> None:
    """Before any work: the library given with ``--db`` must be readable (exit 2 if not).

    With ``--add-to-norms`` it must also be writable (it is created when there is none).

    Raises:
        NormsError: the library is damaged, of a newer emolab, or cannot be created.
    """
    from emolab.norms.library import open_norms

    if getattr(args, "add_to_norms", False):
        open_norms(args.db, write=True).close()
    elif args.db is not None:
        open_norms(args.db).close()


def add_to_norms(args: argparse.Namespace, study_dir: Path) -> None:
    """With ``--add-to-norms``, file the study just built in the norms and say so."""
    if not getattr(args, "add_to_norms", False):
        return
    from emolab.norms.library import open_norms
    from emolab.norms.studies import study_record

    record = study_record(study_dir, args.category or "", args.brand, getattr(args, "attentive_only", None))
    with open_norms(args.db, write=True) as norms:
        added, duplicates = norms.add([record])
    if added:
        print(f"Added to the norms: {_describe(added[0])}")
    else:
        print(f"Already in the norms: {_describe(duplicates[0])}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "norms",
        help="the norms library: past studies' KPIs that rank every new ad",
        description="Keep the KPIs of every study your team runs (EEI, EmoNPS, attention, peaks) in one SQLite "
        "file, so study and comparison reports show where an ad ranks among past ones of its category.",
    )
    cmds = p.add_subparsers(dest="norms_command", metavar="ACTION", required=True)

    a = cmds.add_parser("add", help="add a study to the norms", description="Add a study folder's KPIs to the norms.")
    a.add_argument("study", type=Path, metavar="STUDY_DIR", help="a folder written by emolab aggregate or batch")
    a.add_argument("--category", default="", help="product category, e.g. snacks (studies are ranked within it)")
    a.add_argument("--brand", default="", help="brand")
    add_attentive_only_option(a)
    add_db_option(a)
    a.set_defaults(func=run_add)

    ls = cmds.add_parser("list", help="list the studies in the norms")
    ls.add_argument("--category", default=None, help="only this category")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_db_option(ls)
    ls.set_defaults(func=run_list)

    rm = cmds.add_parser("remove", help="remove a study from the norms by its id (see 'emolab norms list')")
    rm.add_argument("id", type=int, help="the study's id")
    add_db_option(rm)
    rm.set_defaults(func=run_remove)

    ex = cmds.add_parser("export", help="write the norms to a CSV file (to share with another team)")
    ex.add_argument("file", type=Path, metavar="CSV_FILE")
    ex.add_argument("--category", default=None, help="only this category")
    add_db_option(ex)
    ex.set_defaults(func=run_export)

    im = cmds.add_parser(
        "import",
        help="add the studies of a norms CSV (validated; studies already there are recognised and skipped)",
    )
    im.add_argument("file", type=Path, metavar="CSV_FILE")
    add_db_option(im)
    im.set_defaults(func=run_import)


def _describe(r) -> str:  # noqa: ANN001
    where = f", category {r.category}" if r.category else ""
    return f"#{r.id} {r.study} ({r.ad_file}, {r.respondents} respondents{where})"


def run_add(args: argparse.Namespace) -> int:
    from emolab.norms.library import open_norms
    from emolab.norms.studies import study_record

    record = study_record(args.study, args.category, args.brand, args.attentive_only)
    with open_norms(args.db, write=True) as norms:
        added, duplicates = norms.add([record])
        path = norms.path
    if duplicates:
        print(f"Already in the norms: {_describe(duplicates[0])} is this study (same ad and sessions); nothing added")
    else:
        print(f"Added {_describe(added[0])} to the norms in {path}")
    return 0


def _fmt(v: float | None, pattern: str) -> str:
    return "–" if v is None else pattern.format(v)


def run_list(args: argparse.Namespace) -> int:
    from emolab.norms.library import open_norms

    with open_norms(args.db) as norms:
        records = norms.records(args.category)
        path = norms.path
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return 0
    if not records:
        what = f" of category {args.category!r}" if args.category is not None else ""
        print(f"The norms library {path} holds no study{what} yet; add one with: emolab norms add STUDY --category C")
        return 0
    header = (
        "id",
        "category",
        "brand",
        "study",
        "ad",
        "resp.",
        "EEI",
        "EmoNPS",
        "attention",
        "peak+",
        "peak-",
        "added",
    )
    rows = [
        (
            str(r.id),
            r.category or "–",
            r.brand or "–",
            r.study,
            r.ad_file,
            f"{r.usable}/{r.respondents}",
            _fmt(r.eei, "{:+.0f}"),
            _fmt(r.emonps, "{:+.0f}"),
            _fmt(None if r.attention is None else 100 * r.attention, "{:.0f}%"),
            _fmt(r.peak_positive, "{:.2f}"),
            _fmt(r.peak_negative, "{:.2f}"),
            r.added_at[:10],
        )
        for r in records
    ]
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip())
    print(f"{len(records)} stud{'y' if len(records) == 1 else 'ies'} in {path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from emolab.errors import NormsError
    from emolab.norms.library import open_norms

    with open_norms(args.db) as probe:
        if not probe.exists:
            raise NormsError(f"there is no norms library at {probe.path} yet; nothing to remove")
    with open_norms(args.db, write=True) as norms:
        removed = norms.remove(args.id)
    print(f"Removed {_describe(removed)} from the norms")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from emolab.norms.library import open_norms
    from emolab.norms.studies import export_csv

    with open_norms(args.db) as norms:
        records = norms.records(args.category)
        path = norms.path
    export_csv(records, args.file)
    print(f"Exported {len(records)} stud{'y' if len(records) == 1 else 'ies'} from {path} to {args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from emolab.norms.library import open_norms
    from emolab.norms.studies import read_csv

    records = read_csv(args.file)  # validated whole before the library is opened for writing
    with open_norms(args.db, write=True) as norms:
        added, duplicates = norms.add(records)
        path = norms.path
    print(
        f"Imported {len(added)} stud{'y' if len(added) == 1 else 'ies'} from {args.file} into {path}"
        + (f"; {len(duplicates)} already there (same ad and sessions) skipped" if duplicates else "")
    )
    return 0
