"""Frame sources: a webcam by index, or a video file standing in for one.

Every frame carries its capture timestamp on the source's own clock (milliseconds since the
source's first frame) and the monotonic time it was grabbed, so results can be aligned with
an ad playing elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emolab.errors import SourceEnded, SourceError
from emolab.media import video_fps

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}


@dataclass(frozen=True)
class Frame:
    """One captured frame."""

    image: np.ndarray  # BGR uint8, (H, W, 3)
    index: int  # sequence number from the source; gaps mean dropped frames
    timestamp_ms: float  # capture time on the source clock
    captured_at: float  # time.monotonic() when it was grabbed

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


class FrameSource:
    """A camera or a video file. Iterate, or call :meth:`read` until :class:`SourceEnded`."""

    description: str = ""
    fps: float = 30.0
    frame_count: int | None = None

    def read(self) -> Frame:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __iter__(self):  # noqa: ANN204
        while True:
            try:
                yield self.read()
            except SourceEnded:
                return

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _video_capture(path: Path) -> cv2.VideoCapture:
    if not path.exists():
        raise SourceError(f"video file {path} does not exist; check the path")
    if not path.is_file():
        raise SourceError(f"{path} is not a file; choose a video file")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise SourceError(
            f"cannot open {path} as a video (not a video, corrupt, or a codec this machine "
            "lacks); convert it to H.264 MP4 and try again"
        )
    return cap


class VideoFileSource(FrameSource):
    """A video file standing in for a camera, or read for offline work.

    ``realtime=True`` paces frames at the native rate like a live camera (frames the consumer
    did not take in time are skipped, as a camera would); otherwise frames come as fast as
    they are decoded.

    ``timestamps``: ``"rate"`` (frame number times the nominal rate: exact for constant-rate
    files) or ``"pts"`` (each frame's own presentation time from the container, for recordings
    whose frames come at a varying rate, like a browser's webcam recordings; never decreasing).
    """

    def __init__(self, path: str | Path, realtime: bool = False, loop: bool = False, timestamps: str = "rate") -> None:
        if timestamps not in ("rate", "pts"):
            raise ValueError(f"timestamps must be 'rate' or 'pts', not {timestamps!r}")
        self.path = Path(path)
        self.timestamps = timestamps
        self._last_pts = 0.0
        self._cap = _video_capture(self.path)
        self.fps = video_fps(self._cap)
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if count > 0 else None
        self.realtime = realtime
        self.loop = loop
        self.description = f"video {self.path.name}" + (" (live pace)" if realtime else "")
        self._index = -1
        self._start: float | None = None
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise SourceError(
                f"{self.path} opened but no frame could be decoded; the file is corrupt or "
                "uses an unsupported codec. Convert it to H.264 MP4."
            )
        self._pending: np.ndarray | None = first
        self._pending_pts = self._pts()
        self.size = (first.shape[1], first.shape[0])

    def _pts(self) -> float:
        """The last decoded frame's presentation time in ms, never below the one before."""
        pts = self._cap.get(cv2.CAP_PROP_POS_MSEC) if self.timestamps == "pts" else 0.0
        self._last_pts = max(self._last_pts, pts if pts == pts else 0.0)  # NaN: keep the last
        return self._last_pts

    def _decode(self) -> np.ndarray | None:
        if self._pending is not None:
            image, self._pending = self._pending, None
            self._last_pts = self._pending_pts
            return image
        ok, image = self._cap.read()
        if not ok or image is None:
            if self.loop and self._index > 0:
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._cap.read()
                if ok:
                    return image
            return None
        return image

    def read(self) -> Frame:
        if self._cap is None:
            raise SourceEnded(f"{self.description} is closed")
        if self.realtime:
            now = time.monotonic()
            if self._start is None:
                self._start = now
            # Skip frames whose time has passed: a live camera does not wait for its reader.
            due_index = int((now - self._start) * self.fps)
            while self._index + 1 < due_index:
                if self._decode() is None:
                    raise SourceEnded(f"{self.description} ended")
                self._index += 1
            wait = self._start + (self._index + 1) / self.fps - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        image = self._decode()
        if image is None:
            raise SourceEnded(f"{self.description} ended after {self._index + 1} frames")
        self._index += 1
        if self.timestamps == "pts":
            ts = self._pts()
        else:
            # Frame numbers times the nominal rate: exact for constant-rate files (POS_MSEC is not,
            # with some backends), and a looping stand-in's clock keeps running across loops.
            ts = self._index * 1000.0 / self.fps
        return Frame(image=image, index=self._index, timestamp_ms=ts, captured_at=time.monotonic())

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None  # type: ignore[assignment]


class CameraSource(FrameSource):
    """A webcam by index (``0`` is the system's first camera)."""

    def __init__(self, index: int, width: int | None = None, height: int | None = None) -> None:
        self.index = int(index)
        self.description = f"camera {self.index}"
        self._cap = cv2.VideoCapture(self.index)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(
                f"camera {self.index} cannot be opened: no such camera, or another program uses "
                "it. Pick another camera, or a video file as a stand-in."
            )
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1 <= fps <= 240 else 30.0
        self._index = -1
        self._t0: float | None = None

    def read(self) -> Frame:
        if self._cap is None:
            raise SourceEnded(f"{self.description} is closed")
        ok, image = self._cap.read()
        now = time.monotonic()
        if not ok or image is None:
            raise SourceEnded(f"{self.description} stopped delivering frames (unplugged or in use)")
        if self._t0 is None:
            self._t0 = now
        self._index += 1
        return Frame(image=image, index=self._index, timestamp_ms=(now - self._t0) * 1000.0, captured_at=now)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None  # type: ignore[assignment]


def open_source(spec: str | int | Path, realtime: bool = True, loop: bool = False) -> FrameSource:
    """A camera index (``0``, ``"1"``) or a video file path."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CameraSource(int(spec))
    return VideoFileSource(Path(spec), realtime=realtime, loop=loop)


def list_cameras(max_index: int = 5) -> list[int]:
    """Indices of cameras that open (the GUI lists them; a video file can stand in)."""
    found = []
    for idx in range(max_index):
        dev = Path(f"/dev/video{idx}")
        if not dev.exists() and Path("/dev").is_dir() and not _is_windows_or_mac():
            continue
        cap = cv2.VideoCapture(idx)
        if cap.isOpened():
            found.append(idx)
        cap.release()
    return found


def _is_windows_or_mac() -> bool:
    import sys

    return sys.platform.startswith(("win", "darwin"))
