"""A study's key performance indicators (KPIs): the numbers a comparison tests and the norms keep.

Every value comes from :func:`emolab.report.study.study_numbers` — the numbers the study
report states — so a study, its comparison and its place among the norms always agree.

- ``eei``: mean over respondents of each one's EEI (%positive − %negative face frames), points;
- ``emonps``: %Engaged − %Critical − K × %Silent over the respondents seen long enough, points.
  It is the mean of a per-respondent score (100, −100, 0, −100·K, or 100 − 100 = 0 for
  someone both engaged and critical), which is what a comparison tests;
- ``attention``: mean over respondents of the share of ad frames they looked at the screen;
- ``peak_positive`` / ``peak_negative``: the highest second of the mean positive / negative
  group curve (mean smoothed probability), with its second: the strongest moment of each;
- ``respondents`` and ``usable`` (respondents without a data-quality warning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Kpi:
    label: str
    unit: str
    explain: str


KPIS: dict[str, Kpi] = {
    "eei": Kpi("EEI", "points", "mean over respondents of %positive − %negative face frames during the ad"),
    "emonps": Kpi(
        "EmoNPS",
        "points",
        "%Engaged − %Critical − K × %Silent over respondents seen for at least a second",
    ),
    "attention": Kpi("Attention share", "%", "mean over respondents of the share of ad frames looking at the screen"),
    "peak_positive": Kpi(
        "Peak positive", "probability", "the highest second of the mean positive curve (happy + surprise)"
    ),
    "peak_negative": Kpi(
        "Key negative moment",
        "probability",
        "the highest second of the mean negative curve (angry + disgust + fear + sad): the strongest negative moment",
    ),
    "usable": Kpi("Respondents usable", "respondents", "respondents without a data-quality warning"),
}
#: KPIs that are means over respondents (tested with Welch's t or a permutation test).
MEAN_KPIS = ("eei", "emonps", "attention")
PEAK_KPIS = {"peak_positive": "group_positive", "peak_negative": "group_negative"}
#: What the norms library keeps of a study, besides its size.
NORM_KPIS = ("eei", "emonps", "attention", "peak_positive", "peak_negative")


def _nan(v: Any) -> float:
    return float(v) if v is not None and np.isfinite(v) else float("nan")


def respondent_values(data: dict[str, Any]) -> dict[str, np.ndarray]:
    """Each respondent's value of the :data:`MEAN_KPIS` (NaN where it has none)."""
    rows = data["respondents"]
    k = float(data["emonps"]["k"])
    emonps = [
        100.0 * (float(r["engaged"]) - float(r["critical"]) - k * float(r["silent"])) if r["counted"] else np.nan
        for r in rows
    ]
    return {
        "eei": np.array([_nan(r["eei"]) for r in rows]),
        "emonps": np.array(emonps),
        "attention": np.array([_nan(r["attention_share"]) for r in rows]),
    }


def peak(curve: np.ndarray) -> tuple[float | None, int | None]:
    """The highest value of a per-second curve and its second (None where the curve is empty)."""
    y = np.asarray(curve, dtype=float)
    if not np.isfinite(y).any():
        return None, None
    i = int(np.nanargmax(y))
    return float(y[i]), i


def study_kpis(data: dict[str, Any], seconds: int | None = None) -> dict[str, Any]:
    """The study's KPIs; peaks over its first ``seconds`` seconds (default: the whole ad).

    Returns:
        ``{kpi: value}`` plus ``<peak>_at_s`` (the peak's second) and ``respondents``.
    """
    means = respondent_values(data)
    out: dict[str, Any] = {}
    for name in MEAN_KPIS:
        v = means[name][np.isfinite(means[name])]
        out[name] = float(v.mean()) if len(v) else None
    out["emonps"] = data["emonps"]["value"]  # the study's own figure (equal to the mean of the scores)
    for name, series in PEAK_KPIS.items():
        curve = np.asarray(data["per_second"]["mean"][series], dtype=float)
        value, at = peak(curve[:seconds] if seconds is not None else curve)
        out[name], out[f"{name}_at_s"] = value, at
    out["respondents"] = len(data["respondents"])
    out["usable"] = sum(bool(r["trustworthy"]) for r in data["respondents"])
    return out
