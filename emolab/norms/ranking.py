"""A study's place among the norms: each KPI's percentile among past studies of its category.

The percentile of a value among n norms is the share of them below it, ties counting half
(the "mid-rank" percentile): 50 is the middle of the norms, 100 above every one of them.
With fewer than :data:`MIN_NORMS` studies to compare with, a percentile says more about the
few studies than about the ad, so it is hidden and the report says why.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from emolab.compare.kpis import KPIS, NORM_KPIS
from emolab.errors import NormsError
from emolab.norms.library import NormRecord, open_norms

log = logging.getLogger(__name__)

MIN_NORMS = 5


def percentile(value: float, norms: list[float]) -> float:
    """Mid-rank percentile of ``value`` among ``norms`` (0..100)."""
    v = np.asarray(norms, dtype=float)
    return float(100.0 * ((v < value).sum() + 0.5 * (v == value).sum()) / len(v))


def ordinal(value: float) -> str:
    """``67th``, ``1st``, ``22nd``, ``13th`` of a percentile rounded to a whole number."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank(
    kpis: dict[str, Any],
    records: list[NormRecord],
    category: str | None,
    own_key: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Percentiles of ``kpis`` among ``records`` of ``category`` (None: every category).

    The study's own entry (``own_key``: ad sha256, fingerprint) is left out: it is ranked
    against the others.
    """
    pool = [r for r in records if (category is None or r.category == category) and r.key != own_key]
    if category is None:
        where = "all categories"
    elif category == "":
        where = "studies without a category"
    else:
        where = f"category “{category}”"
    out: dict[str, Any] = {"category": category, "where": where, "n": len(pool), "kpis": {}, "shown": False}
    for name in NORM_KPIS:
        values = [getattr(r, name) for r in pool if getattr(r, name) is not None]
        mine = kpis.get(name)
        entry = {"label": KPIS[name].label, "n": len(values), "percentile": None, "ordinal": None}
        if mine is not None and len(values) >= MIN_NORMS:
            entry["percentile"] = percentile(float(mine), values)
            entry["ordinal"] = ordinal(entry["percentile"])
        out["kpis"][name] = entry
    out["shown"] = any(e["percentile"] is not None for e in out["kpis"].values())
    if not out["shown"]:
        out["note"] = (
            f"Percentiles among the norms are shown from {MIN_NORMS} studies of the same category on; "
            f"the norms library holds {len(pool)} other {'study' if len(pool) == 1 else 'studies'} in {where}, "
            "too few to rank an ad against."
        )
    else:
        out["note"] = (
            f"Percentile among {len(pool)} past studies in {where} (50 = the middle of the norms, "
            "100 = above every one); a KPI with fewer than "
            f"{MIN_NORMS} values among them is left out."
        )
    return out


def norms_context(
    db: str | Path | None,
    kpis: dict[str, Any],
    category: str | None,
    own_key: tuple[str, str] | None,
) -> dict[str, Any]:
    """What a report says about the norms: percentiles, or a sentence saying why there are none.

    The library is only read. The category is ``category`` when given, else the one the study
    is filed under in the norms, else every category.

    Raises:
        NormsError: ``db`` was given and cannot be read (damaged, newer, not a library). The
            user's default library, when damaged, does not stop a report: the report says so.
    """
    empty = {"shown": False, "n": 0, "kpis": {}, "category": category, "in_norms": None, "db": str(db or "")}
    try:
        with open_norms(db) as norms:
            path = norms.path
            if not norms.exists:
                return {
                    **empty,
                    "db": str(path),
                    "note": f"No norms library yet ({path}): add past studies with 'emolab norms add STUDY "
                    "--category C' to rank each ad against them.",
                }
            records = norms.records()
    except NormsError as exc:
        if db is not None:
            raise
        log.warning("norms left out of the report: %s", exc)
        return {**empty, "note": f"Norms left out: {exc}."}
    own = next((r for r in records if own_key is not None and r.key == own_key), None)
    if category is None and own is not None:
        category = own.category
    out = rank(kpis, records, category, own_key)
    out["db"] = str(path)
    out["in_norms"] = own.id if own is not None else None
    return out
