"""Splitting an ad into scenes by detecting hard cuts.

Each frame is summarised by a normalised HSV colour histogram (hue x saturation, plus value);
a cut is where the histogram distance between consecutive frames jumps far above the ad's
usual frame-to-frame change. The threshold adapts to the ad: ``median + MAD_K x MAD`` of all
distances, but never below ``MIN_THRESHOLD``, and cuts closer than ``MIN_SCENE_S`` are merged
(the stronger one wins).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolab.errors import SourceError
from emolab.media import video_fps

log = logging.getLogger(__name__)

MAD_K = 8.0
MIN_THRESHOLD = 0.25
MIN_SCENE_S = 0.5
ANALYSIS_SIDE = 160  # frames are shrunk to this before histograms: cuts need no detail


@dataclass(frozen=True)
class Scene:
    """A stretch of the ad between two cuts."""

    index: int
    start_ms: float
    end_ms: float

    @property
    def mid_ms(self) -> float:
        return (self.start_ms + self.end_ms) / 2.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CutDetection:
    """Scenes plus what the detector saw, so a report can explain its threshold."""

    scenes: list[Scene]
    threshold: float
    distances: np.ndarray  # distance between frame i and i+1
    fps: float

    @property
    def cuts_ms(self) -> list[float]:
        return [s.start_ms for s in self.scenes[1:]]


def _histogram(frame: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    hs = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256]).ravel()
    v = cv2.calcHist([hsv], [2], None, [8], [0, 256]).ravel()
    h = np.concatenate([hs / max(hs.sum(), 1.0), v / max(v.sum(), 1.0)]).astype(np.float32)
    return h / 2.0  # sums to 1


def frame_distances(path: Path) -> tuple[np.ndarray, float, int]:
    """Bhattacharyya distances between consecutive frames' HSV histograms.

    Returns:
        (distances of length n-1, fps, n frames).

    Raises:
        SourceError: the ad cannot be opened.
    """
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open ad {path} to find its scenes; convert it to H.264 MP4")
        fps = video_fps(cap)
        prev: np.ndarray | None = None
        dists: list[float] = []
        n = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            s = ANALYSIS_SIDE / max(frame.shape[:2])
            small = cv2.resize(frame, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else frame
            hist = _histogram(small)
            if prev is not None:
                dists.append(float(cv2.compareHist(prev, hist, cv2.HISTCMP_BHATTACHARYYA)))
            prev = hist
            n += 1
    finally:
        cap.release()
    if n == 0:
        raise SourceError(f"ad {path} has no decodable frame; cannot find its scenes")
    return np.asarray(dists, dtype=np.float64), float(fps), n


def adaptive_threshold(distances: np.ndarray) -> float:
    """``median + MAD_K * MAD`` of the distances, at least ``MIN_THRESHOLD``."""
    if len(distances) == 0:
        return MIN_THRESHOLD
    med = float(np.median(distances))
    mad = float(np.median(np.abs(distances - med))) * 1.4826  # ~ standard deviation for normal noise
    return max(MIN_THRESHOLD, med + MAD_K * mad)


def cut_frames(distances: np.ndarray, threshold: float, min_gap: int) -> list[int]:
    """Frame indices that start a new scene: peaks above ``threshold``, at least ``min_gap`` apart.

    No scene is shorter than ``min_gap`` frames, at the ends of the ad included (fades in and
    out of black are not scenes).
    """
    n = len(distances) + 1
    candidates = [i for i in np.flatnonzero(distances > threshold) if min_gap <= i + 1 <= n - min_gap]
    chosen: list[int] = []
    for i in sorted(candidates, key=lambda k: -distances[k]):  # strongest first
        if all(abs(int(i) - c) >= min_gap for c in chosen):
            chosen.append(int(i))
    return sorted(c + 1 for c in chosen)  # distance i is between frames i and i+1


def detect_scenes(path: str | Path) -> CutDetection:
    """Split the ad at ``path`` into scenes (cached while the file is unchanged).

    Raises:
        SourceError: the ad cannot be decoded.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise SourceError(f"cannot read ad {path} to find its scenes: {exc.strerror or exc}") from exc
    # Reports of many sessions of one ad decode it once: key on the file's identity.
    return _detect_cached(str(path.resolve()), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _detect_cached(path: str, size: int, mtime_ns: int) -> CutDetection:
    dists, fps, n = frame_distances(Path(path))
    thr = adaptive_threshold(dists)
    cuts = cut_frames(dists, thr, max(1, int(round(MIN_SCENE_S * fps))))
    bounds = [0, *cuts, n]
    scenes = [
        Scene(index=i + 1, start_ms=bounds[i] * 1000.0 / fps, end_ms=bounds[i + 1] * 1000.0 / fps)
        for i in range(len(bounds) - 1)
    ]
    log.info("%s: %d scenes (threshold %.3f)", path, len(scenes), thr)
    return CutDetection(scenes=scenes, threshold=thr, distances=dists, fps=fps)
