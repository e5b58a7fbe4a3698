"""Session metrics, computed from a timeline alone so a summary can always be rebuilt.

Definitions (also printed in reports):
- ``emotion_share`` / ``group_share``: over rows of the ad phase that have a face, the share
  whose smoothed label is each emotion / group.
- ``eei`` (Emotional Experience Index): ``100 * (share positive - share negative)``, in
  percentage points, over the same rows.
- A *trace* of a group: a run of consecutive processed frames of one viewer during the ad
  whose smoothed label is in that group, lasting at least ``trace_min_s``.
- ``emonps`` over the session's viewers (those with at least ``min_viewer_s`` of face time):
  Engaged = had a positive trace, Critical = had a negative trace, Silent = had neither;
  ``EmoNPS = %Engaged - %Critical - K * %Silent``.
- ``attention_share``: attentive ad frames / ad frames. A frame without a face counts as not
  attentive; a frame with several faces counts by the share of them attentive; a face whose
  pose is unknown counts as not attentive. None when attention is unknown: a timeline
  written before emolab recorded head pose, or a detector without landmarks.
- With ``attentive_only``, emotion shares, mean probabilities and EEI are over attentive face
  rows only (EmoNPS traces still use every face frame: a trace is a run of consecutive frames).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from emolab.emotions import EMOTIONS, GROUPS
from emolab.session.timeline import Timeline


class Span(Protocol):
    """A stretch of ad time, such as a scene (:class:`emolab.report.scenes.Scene`)."""

    index: int
    start_ms: float
    end_ms: float


MIN_VIEWER_S = 1.0


def _shares(values: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    total = len(values)
    return {n: (float(np.sum(values == n)) / total if total else 0.0) for n in names}


def frame_starts(tl: Timeline) -> np.ndarray:
    """Index of the first row of each processed frame (rows of one frame are contiguous)."""
    if len(tl) == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.ones(len(tl), dtype=bool)
    change[1:] = tl.frame_index[1:] != tl.frame_index[:-1]
    return np.flatnonzero(change)


#: Ad time between two analysed frames up to which the gap still counts as covered: no reaction
#: long enough to count (a trace lasts at least ``trace_min_s``, 0.5 s by default) fits in it
#: unseen. Under load a live screening skips a few camera frames now and then.
COVERED_GAP_MS = 500.0


def _ad_frame_spans(tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """The ad time each processed ad frame stands for, and whether it had a face.

    Frames are taken in ad-time order (not file order), so a stamp out of order, as sessions
    recorded before the ad clock was made monotonic have at their end, covers nothing twice.
    Each frame stands for the time until the next one (the median frame step for the last), at
    most twice the median step or :data:`COVERED_GAP_MS`, whichever is longer: a gap in the
    recording counts as not covered, a few frames skipped by a busy computer do not.
    """
    ad = tl.in_phase("ad")
    starts = frame_starts(ad)
    if len(starts) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    has_face = np.maximum.reduceat(ad.viewer_id >= 0, starts)
    order = np.argsort(ad.ad_ms[starts], kind="stable")
    t = ad.ad_ms[starts][order]
    diffs = np.diff(t)
    positive = diffs[diffs > 0]
    step = float(np.median(positive)) if len(positive) else 0.0
    dt = np.append(diffs, step)
    dt = np.minimum(dt, max(2.0 * step, COVERED_GAP_MS)) if step > 0 else dt
    return dt, has_face[order]


def ad_time_covered_ms(tl: Timeline) -> float:
    """Milliseconds of ad time the recording covers (see :func:`ad_time_shares`)."""
    return float(_ad_frame_spans(tl)[0].sum())


def ad_time_shares(tl: Timeline, duration_ms: float) -> tuple[float, float]:
    """Shares of the ad's duration (covered by the recording, with a face seen).

    Computed from the ad time the frames actually cover (see :func:`_ad_frame_spans`), not
    from the first and last rows; frames without a face count against the second share.
    """
    dt, has_face = _ad_frame_spans(tl)
    if len(dt) == 0 or duration_ms <= 0:
        return 0.0, 0.0
    return float(min(1.0, dt.sum() / duration_ms)), float(min(1.0, dt[has_face].sum() / duration_ms))


def frame_attentive_share(attentive: Sequence[bool | None]) -> float:
    """One live frame's attentive share from its faces' flags, by :func:`frame_attention`'s rule."""
    return sum(a is True for a in attentive) / len(attentive) if attentive else 0.0


def frame_attention(tl: Timeline) -> np.ndarray:
    """Per processed frame of ``tl`` (see :func:`frame_starts`): the share of its faces attentive.

    0 for a frame without a face; a face whose pose is unknown counts as not attentive (the
    pose fit fails mostly on heads turned far away). NaN everywhere when the timeline does not
    say where its faces looked (:func:`attention_known`).
    """
    starts = frame_starts(tl)
    if len(starts) == 0 or not attention_known(tl):
        return np.full(len(starts), np.nan)
    face = tl.viewer_id >= 0
    faces = np.add.reduceat(face.astype(np.int64), starts)
    hits = np.add.reduceat((face & (tl.attentive == 1.0)).astype(np.int64), starts)
    return hits / np.maximum(faces, 1)


def attention_known(tl: Timeline) -> bool:
    """Whether ``tl`` says where its faces looked (its ad frames can be judged attentive)."""
    if not tl.has_attention:
        return False
    ad = tl.in_phase("ad")
    face = ad.viewer_id >= 0
    return not face.any() or bool(np.isfinite(ad.attentive[face]).any())


def _ad_frame_attention(tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Ad time and attentive share of each processed ad frame."""
    ad = tl.in_phase("ad")
    return ad.ad_ms[frame_starts(ad)], frame_attention(ad)


def _mean_within(t: np.ndarray, values: np.ndarray, start_ms: float, end_ms: float) -> float | None:
    inside = (t >= start_ms) & (t <= end_ms)
    return float(values[inside].mean()) if inside.any() else None


def attention_share(tl: Timeline, start_ms: float = -np.inf, end_ms: float = np.inf) -> float | None:
    """Attentive share of the ad frames between ``start_ms`` and ``end_ms`` (ad time, inclusive).

    None when attention is unknown for this timeline or no ad frame falls in the span.
    """
    if not attention_known(tl):
        return None
    return _mean_within(*_ad_frame_attention(tl), start_ms, end_ms)


def attention_by_scene(tl: Timeline, scenes: Sequence[Span]) -> list[dict[str, Any]] | None:
    """``attention_share`` within each scene (a scene's end belongs to the next, except the last's)."""
    if not attention_known(tl):
        return None
    t, values = _ad_frame_attention(tl)
    out = []
    for i, sc in enumerate(scenes):
        end = sc.end_ms if i == len(scenes) - 1 else np.nextafter(sc.end_ms, -np.inf)
        out.append(
            {
                "index": sc.index,
                "start_ms": sc.start_ms,
                "end_ms": sc.end_ms,
                "attention_share": _mean_within(t, values, sc.start_ms, end),
            }
        )
    return out


def attention_reference(tl: Timeline) -> dict[str, dict[str, Any]]:
    """Each viewer's straight-ahead (yaw, pitch), as :class:`emolab.pose.AttentionJudge` set it.

    The median smoothed pose over the viewer's calibration frames; else over everyone's
    calibration frames; else facing the camera (0, 0).
    """
    calib = tl.in_phase("calibration")
    calib = calib.select((calib.viewer_id >= 0) & np.all(np.isfinite(calib.pose[:, :2]), axis=1))
    everyone = np.median(calib.pose[:, :2], axis=0) if len(calib) else None
    out = {}
    for vid in sorted({int(v) for v in tl.viewer_id[(tl.phase == "ad") & (tl.viewer_id >= 0)]}):
        own = calib.pose[calib.viewer_id == vid, :2]
        if len(own):
            ref, source = np.median(own, axis=0), "own calibration"
        elif everyone is not None:
            ref, source = everyone, "calibration of all viewers"
        else:
            ref, source = np.zeros(2), "camera"
        out[str(vid)] = {"yaw": float(ref[0]), "pitch": float(ref[1]), "from": source}
    return out


def share_rows(tl: Timeline, attentive_only: bool) -> tuple[Timeline, bool]:
    """The rows emotion shares are computed over, and whether ``attentive_only`` was applied.

    Face rows of the ad phase; with ``attentive_only`` (and attention known), only attentive ones.
    """
    ad = tl.in_phase("ad")
    applied = attentive_only and attention_known(tl)
    keep = (ad.viewer_id >= 0) & ((ad.attentive == 1.0) if applied else True)
    return ad.select(keep), applied


def viewer_traces(tl: Timeline, trace_min_s: float) -> dict[int, dict[str, Any]]:
    """For each viewer in the ad phase: face time and which groups left a trace."""
    ad = tl.in_phase("ad")
    frames = ad.frame_index[frame_starts(ad)]
    frame_pos = {int(f): i for i, f in enumerate(frames)}  # consecutive processed frames
    step_ms = float(np.median(np.diff(ad.ad_ms[frame_starts(ad)]))) if len(frames) > 1 else 0.0
    out: dict[int, dict[str, Any]] = {}
    for vid in sorted(int(v) for v in set(ad.viewer_id[ad.viewer_id >= 0])):
        rows = ad.select(ad.viewer_id == vid)
        longest = {g: 0.0 for g in GROUPS}
        start = 0
        for i in range(1, len(rows) + 1):
            broken = (
                i == len(rows)
                or rows.group[i] != rows.group[start]
                or frame_pos[int(rows.frame_index[i])] != frame_pos[int(rows.frame_index[i - 1])] + 1
            )
            if broken:
                g = str(rows.group[start])
                dur = float(rows.ad_ms[i - 1] - rows.ad_ms[start]) + step_ms
                longest[g] = max(longest[g], dur)
                start = i
        face_s = len(rows) * step_ms / 1000.0
        traces = {g: longest[g] >= trace_min_s * 1000.0 for g in GROUPS}
        out[vid] = {
            "face_seconds": face_s,
            "longest_run_s": {g: longest[g] / 1000.0 for g in GROUPS},
            "engaged": traces["positive"],
            "critical": traces["negative"],
            "silent": not traces["positive"] and not traces["negative"],
        }
    return out


def emonps_from_flags(engaged: list[bool], critical: list[bool], silent: list[bool], k: float) -> float | None:
    """EmoNPS in points from per-respondent flags; None without respondents."""
    n = len(engaged)
    if n == 0:
        return None
    return 100.0 * (sum(engaged) / n - sum(critical) / n - k * sum(silent) / n)


def compute_summary(
    tl: Timeline,
    emonps_k: float,
    trace_min_s: float,
    attentive_only: bool = False,
    scenes: Sequence[Span] | None = None,
) -> dict[str, Any]:
    """Everything ``summary.json`` holds, from the timeline (and the ad's scenes, if known)."""
    starts = frame_starts(tl)
    ad = tl.in_phase("ad")
    ad_starts = frame_starts(ad)
    ad_frames = len(ad_starts)
    face_frames = int(len(set(ad.frame_index[ad.viewer_id >= 0].tolist())))
    face_rows, only_attentive = share_rows(tl, attentive_only)
    emotion_share = _shares(face_rows.label, EMOTIONS)
    group_share = _shares(face_rows.group, GROUPS)

    viewers = viewer_traces(tl, trace_min_s)
    counted = {v: t for v, t in viewers.items() if t["face_seconds"] >= MIN_VIEWER_S}
    flags = list(counted.values())
    emonps_value = emonps_from_flags(
        [t["engaged"] for t in flags], [t["critical"] for t in flags], [t["silent"] for t in flags], emonps_k
    )

    result_ms = tl.result_ms[starts]
    span_s = (float(np.nanmax(result_ms)) - float(np.nanmin(result_ms))) / 1000.0 if len(starts) > 1 else 0.0
    idx = tl.frame_index[starts]
    gaps = np.diff(idx) - 1 if len(idx) > 1 else np.zeros(0)
    latency = (tl.result_ms - tl.capture_ms)[starts]
    calib = tl.in_phase("calibration")
    calib_faces = calib.select(calib.viewer_id >= 0)
    return {
        "frames": ad_frames,
        "frames_total": int(len(starts)),
        "face_frames": face_frames,
        "face_ratio": face_frames / ad_frames if ad_frames else 0.0,
        "frames_by_phase": {p: int(len(frame_starts(tl.in_phase(p)))) for p in ("calibration", "pre", "ad", "post")},
        "emotion_share": emotion_share,
        "group_share": group_share,
        "mean_probabilities": {
            e: float(np.mean(face_rows.smoothed[:, i])) if len(face_rows) else 0.0 for i, e in enumerate(EMOTIONS)
        },
        "eei": 100.0 * (group_share["positive"] - group_share["negative"]),
        "emonps": {
            "value": emonps_value,
            "k": emonps_k,
            "trace_min_s": trace_min_s,
            "min_viewer_face_s": MIN_VIEWER_S,
            "respondents": len(flags),
            "engaged": sum(t["engaged"] for t in flags),
            "critical": sum(t["critical"] for t in flags),
            "silent": sum(t["silent"] for t in flags),
        },
        "viewers": {str(v): t for v, t in viewers.items()},
        "processed_fps": (len(starts) - 1) / span_s if span_s > 0 else 0.0,
        "dropped_frames": int(np.sum(gaps[gaps > 0])) if len(gaps) else 0,
        "latency_ms_median": float(np.nanmedian(latency)) if len(latency) else 0.0,
        "ad_seconds_covered": ad_time_covered_ms(tl) / 1000.0 if ad_frames > 1 else 0.0,
        "calibration_baseline": (
            {e: float(np.mean(calib_faces.smoothed[:, i])) for i, e in enumerate(EMOTIONS)}
            if len(calib_faces)
            else None
        ),
        "attention_share": attention_share(tl),
        "attention_by_scene": attention_by_scene(tl, scenes) if scenes is not None else None,
        "attention_reference": attention_reference(tl) if attention_known(tl) else None,
        "attentive_only": {"requested": attentive_only, "applied": only_attentive, "face_rows": len(face_rows)},
    }
