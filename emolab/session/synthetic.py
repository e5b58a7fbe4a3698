"""Synthetic respondents made from real sessions: panels of any size for benchmarks and tests.

A real session's ad-phase frames (what the detector and classifier really produced from a
real face) are looped over the target ad's length, each synthetic respondent starting at
its own point of the loop and with its own leaning toward each emotion (a random factor per
emotion), so respondents differ as people do. An optional :class:`Effect` raises one
emotion within a stretch of ad time — a known difference for a comparison to find.

The sessions are ordinary session folders (``session.json``, ``timeline.csv``,
``summary.json``) that say where they came from (``source.synthetic``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from emolab.emotions import EMOTIONS, GROUP_OF
from emolab.errors import SessionError
from emolab.session.metrics import frame_starts
from emolab.session.store import SESSION_FILE, TIMELINE_FILE, load_session, rebuild_summary, write_json_atomic
from emolab.session.timeline import COLUMNS, POSE_COLUMNS, format_row


@dataclass(frozen=True)
class Effect:
    """Between ``start_s`` and ``end_s`` of ad time, move ``strength`` of every face's probability to ``emotion``.

    Each probability vector p becomes ``(1 − strength)·p + strength·onehot(emotion)``: the
    emotion rises by ``strength × (1 − p)``, every other one falls in proportion.
    """

    start_s: float
    end_s: float
    emotion: str = "happy"
    strength: float = 0.5


def synthetic_panel(
    sources: list[Path],
    ad: dict[str, Any],
    out_root: Path,
    respondents: int,
    seed: int = 0,
    effect: Effect | None = None,
    prefix: str = "R",
    spread: float = 0.35,
    mood: float = 0.0,
) -> list[Path]:
    """Write ``respondents`` synthetic sessions of ``ad`` into ``out_root/<prefix>NN``.

    Args:
        sources: real session folders whose frames are reused (taken in turn).
        ad: the ad as ``session.json`` records it (:meth:`emolab.media.AdInfo.to_dict`).
        out_root: parent folder of the new session folders (created).
        respondents: how many sessions.
        seed: makes the panel reproducible.
        effect: an emotion raised in a stretch of ad time, for every respondent.
        prefix: respondent ids are ``<prefix>01``, ``<prefix>02``, ...
        spread: standard deviation of each respondent's log-factor per emotion.
        mood: each respondent also moves a random share (up to ``mood``) of every face's
            probability to one emotion of their own, drawn at random: some respondents lean
            sad, others neutral or happy, as a panel does.

    Raises:
        SessionError: a source session is damaged or has no ad frame with a face.
    """
    rng = np.random.default_rng(seed)
    pools = [_frames(load_session(s)) for s in sources]
    out_root = Path(out_root)
    folders = []
    start = datetime(2026, 1, 1, 10, 0, tzinfo=UTC) + timedelta(days=seed % 1000)
    for r in range(respondents):
        meta, frames, step_ms = pools[r % len(pools)]
        folder = out_root / f"{prefix}{r + 1:02d}"
        folder.mkdir(parents=True, exist_ok=False)
        factors = np.exp(rng.normal(0.0, spread, len(EMOTIONS)))
        lean = (int(rng.integers(0, len(EMOTIONS))), float(rng.uniform(0.0, mood)))
        offset = int(rng.integers(0, len(frames)))
        rows = _rows(frames, step_ms, float(ad["duration_ms"]), offset, factors, effect, lean)
        with open(folder / TIMELINE_FILE, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        when = start + timedelta(minutes=5 * r)
        new = {
            **meta,
            "respondent": f"{prefix}{r + 1:02d}",
            "ad": dict(ad),
            "source": {"synthetic": True, "from": meta.get("respondent"), "seed": seed, "offset_frames": offset},
            "calibration_s": 0.0,
            "started_at": when.isoformat(timespec="seconds"),
            "ended_at": (when + timedelta(milliseconds=float(ad["duration_ms"]))).isoformat(timespec="seconds"),
            "status": "complete",
            "end_reason": "synthetic",
        }
        write_json_atomic(folder / SESSION_FILE, new)
        rebuild_summary(folder)
        folders.append(folder)
    return folders


def _frames(session: Any) -> tuple[dict[str, Any], list[list[dict[str, Any]]], float]:
    """The session's ad-phase frames, each a list of row dicts, and its median frame step (ms)."""
    tl = session.timeline.in_phase("ad")
    starts = frame_starts(tl)
    if not len(starts) or not (tl.viewer_id >= 0).any():
        raise SessionError(f"{session.folder} has no ad frame with a face to make synthetic respondents from")
    ends = np.append(starts[1:], len(tl))
    frames = []
    for a, b in zip(starts, ends):
        rows = []
        for i in range(a, b):
            row: dict[str, Any] = {"viewer_id": int(tl.viewer_id[i])} if tl.viewer_id[i] >= 0 else {}
            if row:
                row.update(zip(("x1", "y1", "x2", "y2"), map(float, tl.box[i])))
                row["score"] = float(tl.score[i])
                row["probs"] = tl.probs[i].copy()
                row["smoothed"] = tl.smoothed[i].copy()
                row.update(zip(POSE_COLUMNS, map(float, tl.pose[i])))
                if np.isfinite(tl.attentive[i]):
                    row["attentive"] = int(tl.attentive[i])
            rows.append(row)
        frames.append(rows)
    t = tl.ad_ms[starts]
    step = float(np.median(np.diff(t))) if len(t) > 1 else 100.0
    return session.meta, frames, max(step, 1.0)


def _rows(
    frames: list[list[dict[str, Any]]],
    step_ms: float,
    duration_ms: float,
    offset: int,
    factors: np.ndarray,
    effect: Effect | None,
    lean: tuple[int, float] = (0, 0.0),
) -> list[list[str]]:
    out = []
    emo = EMOTIONS.index(effect.emotion) if effect else -1
    n = int(duration_ms // step_ms) + 1
    for k in range(n):
        t = min(k * step_ms, duration_ms)
        lift = effect.strength if effect and effect.start_s * 1000.0 <= t < effect.end_s * 1000.0 else 0.0
        base = {
            "frame_index": k,
            "source_ms": t,
            "capture_ms": t,
            "result_ms": t + 40.0,
            "ad_ms": t,
            "phase": "ad",
        }
        for src in frames[(offset + k) % len(frames)]:
            row = dict(base)
            if src:
                raw = _tilt(_tilt(src["probs"], factors, *lean), np.ones(len(EMOTIONS)), emo, lift)
                smooth = _tilt(_tilt(src["smoothed"], factors, *lean), np.ones(len(EMOTIONS)), emo, lift)
                label = EMOTIONS[int(np.argmax(smooth))]
                row.update({k2: v for k2, v in src.items() if k2 not in ("probs", "smoothed")})
                row.update({f"p_{e}": float(raw[i]) for i, e in enumerate(EMOTIONS)})
                row.update({f"s_{e}": float(smooth[i]) for i, e in enumerate(EMOTIONS)})
                row.update(label=label, group=GROUP_OF[label])
            out.append(format_row(row))
    return out


def _tilt(p: np.ndarray, factors: np.ndarray, emotion: int, lift: float) -> np.ndarray:
    """``p`` leaning by the respondent's ``factors``, then ``lift`` of it moved to ``emotion``."""
    q = np.clip(p, 0.0, 1.0) * factors
    q = q / q.sum() if q.sum() > 0 else np.full(len(p), 1.0 / len(p))
    if lift:
        q = (1.0 - lift) * q
        q[emotion] += lift
    return q
