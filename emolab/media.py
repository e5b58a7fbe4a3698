"""Facts about an ad file: name, size, checksum, duration — what a session records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolab.errors import SourceError
from emolab.modelcards import sha256_of


@dataclass(frozen=True)
class AdInfo:
    file: str
    path: str
    size_bytes: int
    sha256: str
    duration_ms: float
    fps: float
    width: int
    height: int
    frame_count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdInfo:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def probe_ad(path: str | Path) -> AdInfo:
    """Open ``path`` as a video and describe it.

    Raises:
        SourceError: if it is missing or not a video this machine can decode.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"ad file {path} does not exist; choose the ad's video file")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open ad {path} as a video; convert it to H.264 MP4")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise SourceError(f"ad {path} has no decodable frame; the file is corrupt or its codec unsupported")
        fps = video_fps(cap)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        if count <= 0:  # some containers do not say: count by decoding
            count = 1
            while cap.grab():
                count += 1
        return AdInfo(
            file=path.name,
            path=str(path.resolve()),
            size_bytes=path.stat().st_size,
            sha256=sha256_of(path),
            duration_ms=count * 1000.0 / fps,
            fps=float(fps),
            width=frame.shape[1],
            height=frame.shape[0],
            frame_count=count,
        )
    finally:
        cap.release()


def video_fps(cap: cv2.VideoCapture) -> float:
    """The frame rate of an opened video; 30 where the container gives none or a nonsensical one.

    Every reader of an ad goes through this, so frame indices computed from a session's
    probed fps (:func:`probe_ad`) match the frames decoded later (:func:`grab_frames`).
    """
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    return float(fps) if 1 <= fps <= 480 else 30.0


def frame_index_at(t_ms: float, fps: float) -> int:
    """The index of the frame shown at ``t_ms`` in a video of ``fps`` frames per second."""
    return max(0, int(t_ms * fps / 1000.0))


def shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    if max(frame.shape[:2]) <= max_side:
        return frame
    s = max_side / max(frame.shape[:2])
    return cv2.resize(frame, (round(frame.shape[1] * s), round(frame.shape[0] * s)), interpolation=cv2.INTER_AREA)


def grab_frames(path: Path, times_ms: Iterable[float], max_side: int) -> dict[int, np.ndarray]:
    """Decode the ad once, front to back, keeping the frames shown at ``times_ms``.

    One sequential pass is much faster than seeking per thumbnail in long-GOP H.264.

    Returns:
        Frame index → shrunken BGR frame (indices past the end are missing).
    """
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open ad {path}; it must stay where the session says it was")
        fps = video_fps(cap)
        wanted = sorted({frame_index_at(t, fps) for t in times_ms})
        out: dict[int, np.ndarray] = {}
        index = 0
        for target in wanted:
            while index < target:
                if not cap.grab():
                    return out
                index += 1
            ok, frame = cap.read()
            if not ok:
                return out
            out[target] = shrink(frame, max_side)
            index += 1
        return out
    finally:
        cap.release()


def read_frame_at(path: str | Path, t_ms: float, max_side: int | None = None) -> np.ndarray | None:
    """The ad frame shown at ``t_ms`` (BGR, shrunk to ``max_side``), or None past the end.

    It seeks for one frame, where :func:`grab_frames` decodes front to back: tests use it as
    the independent check of the thumbnails a report shows.
    """
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open ad {path}; it must stay where the session says it was")
        cap.set(cv2.CAP_PROP_POS_FRAMES, frame_index_at(t_ms, video_fps(cap)))
        ok, frame = cap.read()
        if not ok:
            return None
        return shrink(frame, max_side) if max_side else frame
    finally:
        cap.release()
