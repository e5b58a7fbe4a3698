"""Numbers the reports show, derived from a timeline.

Curves, baseline correction, per-second bins, per-scene statistics, key moments, and the
attention curve with the moments viewers looked away.

Everything here is a pure function of a :class:`~emolab.session.timeline.Timeline`, so tests
can recompute each number a report states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emolab.emotions import EMOTIONS, GROUP_OF, GROUPS, SERIES, group_probabilities
from emolab.report.scenes import Scene
from emolab.session.metrics import attention_by_scene, frame_attention, frame_starts, share_rows
from emolab.session.timeline import Timeline

#: A key moment must reach at least this smoothed probability (7 classes: chance is ~0.14).
MOMENT_MIN_PROB = 0.2
MOMENTS_PER_SERIES = 3
#: Key moments of one emotion are at least this far apart (seconds), or 5% of the ad if longer.
MOMENT_MIN_GAP_S = 1.0
SERIES_NAMES: tuple[str, ...] = SERIES
#: A session's attention curve at a frame is the attentive share of the frames within this
#: many seconds around it (so a glance away shows as a small dip, a long look away as a deep one).
ATTENTION_WINDOW_S = 1.0
#: A look-away moment is a fall of the attention curve below its highest level in the
#: preceding LOOKAWAY_LOOKBACK_S seconds, by at least LOOKAWAY_MIN_DROP (share, 0..1).
LOOKAWAY_LOOKBACK_S = 2.0
LOOKAWAY_MIN_DROP = 0.25
LOOKAWAYS = 3


def apply_baseline(tl: Timeline, baseline: dict[str, float]) -> Timeline:
    """A copy of ``tl`` with each emotion corrected by the respondent's resting level.

    For every face row, each smoothed (and raw) probability has the calibration mean of that
    emotion subtracted, is floored at 0 and the seven are rescaled to sum to 1; the label is
    the emotion furthest above its resting level. Rows without a face are unchanged.
    """
    b = np.array([float(baseline[e]) for e in EMOTIONS])

    def correct(p: np.ndarray) -> np.ndarray:
        d = np.clip(p - b, 0.0, None)
        total = d.sum(axis=1, keepdims=True)
        return np.where(total > 0, d / np.where(total > 0, total, 1.0), 1.0 / len(EMOTIONS))

    face = tl.viewer_id >= 0
    smoothed, probs = tl.smoothed.copy(), tl.probs.copy()
    label, group = tl.label.copy(), tl.group.copy()
    if face.any():
        smoothed[face] = correct(tl.smoothed[face])
        probs[face] = correct(tl.probs[face])
        best = np.argmax(tl.smoothed[face] - b, axis=1)
        label[face] = np.array([EMOTIONS[i] for i in best], dtype=object)
        group[face] = np.array([GROUP_OF[EMOTIONS[i]] for i in best], dtype=object)
    fields = {k: getattr(tl, k) for k in tl.__dataclass_fields__}
    fields.update(smoothed=smoothed, probs=probs, label=label, group=group)
    return Timeline(**fields)


@dataclass
class FrameCurves:
    """One value per processed ad frame: mean over the faces in it, NaN without a face."""

    t_s: np.ndarray
    smoothed: np.ndarray  # (n, 7 emotions + 3 groups)
    raw: np.ndarray  # (n, 10)
    #: Attentive share of each frame's faces (0 without a face, NaN where unknown).
    attention: np.ndarray | None = None

    def column(self, name: str, raw: bool = False) -> np.ndarray:
        return (self.raw if raw else self.smoothed)[:, SERIES_NAMES.index(name)]


def _with_groups(p: np.ndarray) -> np.ndarray:
    return np.concatenate([p, group_probabilities(p)], axis=1)


def frame_curves(tl: Timeline) -> FrameCurves:
    """Emotion and group probabilities per processed frame of the ad phase."""
    ad = tl.in_phase("ad")
    starts = frame_starts(ad)
    n = len(starts)
    smoothed = np.full((n, len(EMOTIONS)), np.nan)
    raw = np.full((n, len(EMOTIONS)), np.nan)
    ends = np.append(starts[1:], len(ad))
    for i, (a, b) in enumerate(zip(starts, ends)):
        face = ad.viewer_id[a:b] >= 0
        if face.any():
            smoothed[i] = ad.smoothed[a:b][face].mean(axis=0)
            raw[i] = ad.probs[a:b][face].mean(axis=0)
    return FrameCurves(
        t_s=ad.ad_ms[starts] / 1000.0,
        smoothed=_with_groups(smoothed),
        raw=_with_groups(raw),
        attention=frame_attention(ad),
    )


def attention_curve(curves: FrameCurves, window_s: float = ATTENTION_WINDOW_S) -> np.ndarray:
    """Per frame: the attentive share of the frames within ``window_s`` centred on it (NaN if unknown)."""
    t, a = curves.t_s, curves.attention
    if a is None or len(t) == 0:
        return np.full(len(t), np.nan)
    known = np.isfinite(a)
    csum = np.concatenate([[0.0], np.cumsum(np.where(known, a, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(known)])
    lo = np.searchsorted(t, t - window_s / 2.0, side="left")
    hi = np.searchsorted(t, t + window_s / 2.0, side="right")
    count = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (csum[hi] - csum[lo]) / np.maximum(count, 1), np.nan)


def _plateau_middle(y: np.ndarray, i: int) -> int:
    """The middle index of the run of values equal to ``y[i]`` around ``i``."""
    a = b = i
    while a > 0 and abs(y[a - 1] - y[i]) < 1e-9:
        a -= 1
    while b < len(y) - 1 and abs(y[b + 1] - y[i]) < 1e-9:
        b += 1
    return (a + b) // 2


def look_away_moments(
    t_s: np.ndarray, attention: np.ndarray, duration_ms: float, lookback_s: float = LOOKAWAY_LOOKBACK_S
) -> list[dict[str, float]]:
    """The largest drops of an attention curve: where viewers looked away.

    The drop at time t is the curve's highest value over the preceding ``lookback_s`` seconds
    minus its value at t. Moments are the largest drops of at least ``LOOKAWAY_MIN_DROP``,
    at most ``LOOKAWAYS``, at least ``max(MOMENT_MIN_GAP_S, 5% of the ad)`` apart (like key
    moments), largest first. A moment sits in the middle of the stretch where the curve stays
    at its low (a long look away is shown by its middle frame, not its first).
    """
    y = np.asarray(attention, dtype=np.float64)
    t = np.asarray(t_s, dtype=np.float64)
    drop = np.full(len(y), np.nan)
    before = np.full(len(y), np.nan)
    for i in range(len(y)):
        if not np.isfinite(y[i]):
            continue
        window = y[(t >= t[i] - lookback_s) & (t <= t[i])]
        before[i] = np.nanmax(window)
        drop[i] = before[i] - y[i]
    gap = max(MOMENT_MIN_GAP_S, 0.05 * duration_ms / 1000.0)
    chosen: list[int] = []
    for i in np.argsort(-np.nan_to_num(drop, nan=-1.0), kind="stable"):
        if not np.isfinite(drop[i]) or drop[i] < LOOKAWAY_MIN_DROP or len(chosen) == LOOKAWAYS:
            break
        i = _plateau_middle(y, int(i))
        if all(abs(t[i] - t[j]) >= gap for j in chosen):
            chosen.append(i)
    return [
        {
            "t_s": float(t[i]),
            "ad_ms": float(t[i] * 1000.0),
            "value": float(y[i]),
            "before": float(before[i]),
            "drop": float(drop[i]),
        }
        for i in chosen
    ]


def shown_ms(moment: dict[str, Any]) -> float:
    """Ad time of the frame a moment card shows.

    An emotion peak shows its cause (``cause_ms``: the reaction delay before the peak); a
    look-away shows its own time (``ad_ms``).
    """
    return float(moment.get("cause_ms", moment["ad_ms"]))


def ad_seconds(duration_ms: float) -> np.ndarray:
    """Start of each whole second of the ad: 0, 1, ..., ceil(duration) - 1."""
    return np.arange(max(1, int(np.ceil(duration_ms / 1000.0 - 1e-9))), dtype=np.float64)


def per_second(tl: Timeline, duration_ms: float) -> dict[str, np.ndarray]:
    """Per whole second of ad time, over face rows of the ad phase.

    Returns:
        ``seconds``; ``mean`` (S, 10): mean smoothed probability of each emotion and group
        (NaN where no face); ``face_rows`` (S,); ``dominant_group`` (S,): the group most
        rows were labelled with ('' where no face; ties go to the earlier group in GROUPS);
        ``attention`` (S,): the attentive share of the second's analysed frames (frames
        without a face count as not attentive; NaN without frames or when unknown).
    """
    secs = ad_seconds(duration_ms)
    ad = tl.in_phase("ad")
    face = ad.select(ad.viewer_id >= 0)
    bins = np.clip((face.ad_ms // 1000.0).astype(np.int64), 0, len(secs) - 1)
    mean = np.full((len(secs), len(SERIES_NAMES)), np.nan)
    rows = np.zeros(len(secs), dtype=np.int64)
    dominant = np.full(len(secs), "", dtype=object)
    for s in range(len(secs)):
        m = bins == s
        rows[s] = int(m.sum())
        if rows[s]:
            mean[s] = _with_groups(face.smoothed[m].mean(axis=0, keepdims=True))[0]
            counts = [int(np.sum(face.group[m] == g)) for g in GROUPS]
            dominant[s] = GROUPS[int(np.argmax(counts))]
    frame_att = frame_attention(ad)
    frame_bin = np.clip((ad.ad_ms[frame_starts(ad)] // 1000.0).astype(np.int64), 0, len(secs) - 1)
    attention = np.full(len(secs), np.nan)
    for s in range(len(secs)):
        values = frame_att[frame_bin == s]
        if len(values):
            attention[s] = float(values.mean())  # NaN when attention is unknown
    return {"seconds": secs, "mean": mean, "face_rows": rows, "dominant_group": dominant, "attention": attention}


def label_stats(labels: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    """Shares of emotions and groups among labelled rows, the dominant emotion and valence.

    Valence is the EEI of these rows: ``100 * (share positive - share negative)``.
    """
    n = len(labels)
    emo = {e: float(np.sum(labels == e)) / n if n else 0.0 for e in EMOTIONS}
    grp = {g: float(np.sum(groups == g)) / n if n else 0.0 for g in GROUPS}
    return {
        "face_rows": n,
        "emotion_share": emo,
        "group_share": grp,
        "dominant": max(EMOTIONS, key=lambda e: emo[e]) if n else None,
        "valence": 100.0 * (grp["positive"] - grp["negative"]) if n else None,
    }


def scene_stats(tl: Timeline, scenes: Sequence[Scene], attentive_only: bool = False) -> list[dict[str, Any]]:
    """For each scene: emotion and group shares, dominant emotion and valence, attention.

    Shares are over the scene's face rows (attentive ones only with ``attentive_only``, as
    for the session's shares); ``attention_share`` is that of the scene's ad frames.
    """
    face, _ = share_rows(tl, attentive_only)
    attention = attention_by_scene(tl, scenes) or [{"attention_share": None}] * len(scenes)
    out = []
    for i, sc in enumerate(scenes):
        last = i == len(scenes) - 1
        m = (face.ad_ms >= sc.start_ms) & ((face.ad_ms <= sc.end_ms) if last else (face.ad_ms < sc.end_ms))
        out.append(
            {
                **sc.to_dict(),
                **label_stats(face.label[m], face.group[m]),
                "attention_share": attention[i]["attention_share"],
            }
        )
    return out


def key_moments(
    curves: FrameCurves, duration_ms: float, reaction_delay_s: float = 0.0
) -> dict[str, list[dict[str, float]]]:
    """The strongest moments of each emotion and group, and the ad frame that caused each.

    For each series: the processed frames with the highest smoothed probability, at most
    ``MOMENTS_PER_SERIES``, at least ``MOMENT_MIN_PROB``, and at least
    ``max(MOMENT_MIN_GAP_S, 5% of the ad)`` apart (so three moments are three different
    parts of the ad, not three neighbouring frames). A face reacts after what caused it, so
    each moment's cause is the ad frame on screen ``reaction_delay_s`` before its peak
    (``cause_ms``, never before the ad's start).
    """
    gap = max(MOMENT_MIN_GAP_S, 0.05 * duration_ms / 1000.0)
    out: dict[str, list[dict[str, float]]] = {}
    for name in SERIES_NAMES:
        y = curves.column(name)
        order = [int(i) for i in np.argsort(-np.nan_to_num(y, nan=-1.0), kind="stable")]
        chosen: list[int] = []
        for i in order:
            if not np.isfinite(y[i]) or y[i] < MOMENT_MIN_PROB or len(chosen) == MOMENTS_PER_SERIES:
                break
            if all(abs(curves.t_s[i] - curves.t_s[j]) >= gap for j in chosen):
                chosen.append(i)
        out[name] = [
            {
                "t_s": float(curves.t_s[i]),
                "ad_ms": float(curves.t_s[i] * 1000.0),
                "cause_ms": max(0.0, float(curves.t_s[i] * 1000.0) - reaction_delay_s * 1000.0),
                "value": float(y[i]),
            }
            for i in chosen
        ]
    return out


def mean_ci(values: np.ndarray, axis: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, low and high bound of a t-based confidence interval over ``axis``, ignoring NaN.

    With fewer than two values the bounds are NaN (no interval can be estimated).
    """
    # The Student t quantile (scipy.stats.t.ppf calls this very function): scipy.special alone
    # imports in a fraction of scipy.stats' time and keeps the installed app small.
    from scipy.special import stdtrit

    values = np.asarray(values, dtype=np.float64)
    n = np.sum(np.isfinite(values), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=axis) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(values), values - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt(np.sum(dev**2, axis=axis) / np.maximum(n - 1, 1))
        half = stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2.0) * sd / np.sqrt(np.maximum(n, 1))
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half
