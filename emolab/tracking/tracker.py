"""Stable viewer ids across frames and per-viewer smoothing of emotion probabilities."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from emolab.detection.base import Detection


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix1, iy1 = max(a[0], b[0]), max(a[1], b[1])
    ix2, iy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, ix2 - ix1) * max(0.0, iy2 - iy1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def exp_smooth(previous: np.ndarray, value: np.ndarray, dt_ms: float, tau_ms: float) -> np.ndarray:
    """One step of exponential smoothing with time constant ``tau_ms``: ``alpha = 1 - exp(-dt / tau)``.

    A time constant rather than a frame count, so the result does not depend on the frame
    rate. ``tau_ms <= 0`` or ``dt_ms <= 0`` returns ``value`` itself (no smoothing).
    """
    if tau_ms <= 0 or dt_ms <= 0:
        return np.array(value, dtype=np.float64)
    alpha = 1.0 - math.exp(-dt_ms / tau_ms)
    return (1 - alpha) * previous + alpha * value


def _centre_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Distance between box centres in units of the first box's size."""
    ca = ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2)
    cb = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    size = max(a[2] - a[0], a[3] - a[1], 1e-6)
    return math.hypot(ca[0] - cb[0], ca[1] - cb[1]) / size


@dataclass
class Track:
    viewer_id: int
    box: tuple[float, float, float, float]
    last_seen_ms: float
    smoothed: np.ndarray | None = None
    hits: int = 0
    history: list[float] = field(default_factory=list)


class ViewerTracker:
    """Greedy IoU matching of faces to viewers, with exponential smoothing per viewer.

    Smoothing (:func:`exp_smooth`) uses a time constant rather than a frame count, so the
    result does not depend on the frame rate.
    """

    def __init__(self, smoothing_s: float = 0.3, timeout_s: float = 1.5, min_iou: float = 0.2) -> None:
        self.tau_ms = smoothing_s * 1000.0
        self.timeout_ms = timeout_s * 1000.0
        self.min_iou = min_iou
        self._tracks: list[Track] = []
        self._next_id = 1

    def reset(self) -> None:
        self._tracks.clear()
        self._next_id = 1

    def update(self, faces: list[Detection], probs: np.ndarray, t_ms: float) -> list[tuple[int, np.ndarray]]:
        """Assign viewer ids to ``faces`` and smooth their ``probs`` (n, 7).

        Returns one ``(viewer_id, smoothed_probs)`` per face, in the order of ``faces``.
        """
        self._tracks = [t for t in self._tracks if t_ms - t.last_seen_ms <= self.timeout_ms]
        pairs = []
        for ti, track in enumerate(self._tracks):
            for fi, face in enumerate(faces):
                overlap = iou(track.box, face.box)
                # A face that moved fast between frames still overlaps little: accept a close
                # centre too, with a lower score so real overlaps win.
                if overlap >= self.min_iou:
                    pairs.append((overlap, ti, fi))
                elif _centre_distance(track.box, face.box) < 0.5:
                    pairs.append((0.01, ti, fi))
        pairs.sort(reverse=True)
        assigned: dict[int, Track] = {}
        used_tracks: set[int] = set()
        for _, ti, fi in pairs:
            if ti in used_tracks or fi in assigned:
                continue
            used_tracks.add(ti)
            assigned[fi] = self._tracks[ti]
        out = []
        for fi, face in enumerate(faces):
            track = assigned.get(fi)
            if track is None:
                track = Track(viewer_id=self._next_id, box=face.box, last_seen_ms=t_ms)
                self._next_id += 1
                self._tracks.append(track)
            p = np.asarray(probs[fi], dtype=np.float64)
            if track.smoothed is None:
                track.smoothed = p.copy()
            else:
                track.smoothed = exp_smooth(track.smoothed, p, t_ms - track.last_seen_ms, self.tau_ms)
            track.box = face.box
            track.last_seen_ms = t_ms
            track.hits += 1
            out.append((track.viewer_id, track.smoothed.astype(np.float32).copy()))
        return out
