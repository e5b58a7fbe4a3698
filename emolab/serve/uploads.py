"""What a respondent's browser sends, checked before anything is kept.

A recording is accepted only if it is a WebM or MP4 file (its first bytes say so, whatever
the client calls it) that decodes from its first frame to its last, within the size and
duration caps, and as long as the ad clock the page recorded says the recording lasted (a
cut-off upload decodes too, only shorter). Nothing a client names ever becomes a path: the
server names every file after the invite's id.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import cv2

from emolab.adclock import RecordingClock

log = logging.getLogger(__name__)

#: Container signatures: WebM/Matroska start with the EBML magic; MP4/MOV carry ``ftyp`` at byte 4.
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SUFFIX = {"webm": ".webm", "mp4": ".mp4"}
#: Fewest frames and seconds a usable recording has.
MIN_FRAMES = 5
MIN_SECONDS = 1.0
#: A recording may end this much earlier than its ad clock's last sample (the recorder stops
#: a moment after the last sample, but may flush its last frames late) before it counts as cut off.
TRUNCATION_SLACK_MS = 1500.0
#: Largest frame accepted from a webcam (both sides).
MAX_SIDE = 4096


class UploadRejected(Exception):  # noqa: N818 - it is the answer, not a failure of the server
    """A request the server refuses: ``status`` is the HTTP status, ``message`` says why."""

    def __init__(self, status: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


@dataclass(frozen=True)
class Limits:
    """What the server accepts from one respondent."""

    max_bytes: int
    max_seconds: float
    ad_duration_ms: float
    chunk_bytes: int = 8 * 1024 * 1024
    adclock_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class Recording:
    """A recording that decoded: its container and what the decoder found in it."""

    container: str
    frames: int
    duration_ms: float
    width: int
    height: int

    @property
    def suffix(self) -> str:
        return SUFFIX[self.container]


def sniff_container(head: bytes) -> str | None:
    """``webm`` or ``mp4`` from a file's first bytes, else None."""
    if head.startswith(EBML_MAGIC):
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    return None


def parse_adclock(text: str | bytes, limits: Limits) -> RecordingClock:
    """The ``adclock`` field: a JSON list of ``[recording_ms, ad_ms]`` pairs.

    Raises:
        UploadRejected: 413 when too long, 400 when not JSON or not a valid clock for this ad.
    """
    if len(text) > limits.adclock_bytes:
        raise UploadRejected(413, f"the ad clock is over {limits.adclock_bytes // (1024 * 1024)} MB")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadRejected(400, f"the ad clock is not JSON: {exc}") from exc
    try:
        return RecordingClock.parse(data, limits.ad_duration_ms, limits.max_seconds * 1000.0)
    except ValueError as exc:
        raise UploadRejected(400, f"the ad clock is malformed: {exc}") from exc


def check_recording(path: Path, clock: RecordingClock, limits: Limits) -> Recording:
    """Decode every frame of ``path`` and check it against the caps and the ad clock.

    Raises:
        UploadRejected: 415 for a file that is not WebM or MP4, 413 over the size or duration
            cap, 422 for a video that does not decode, is too short, or ends before its clock.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UploadRejected(413, f"the recording is {size} bytes; at most {limits.max_bytes} are accepted")
    with open(path, "rb") as fh:
        container = sniff_container(fh.read(16))
    if container is None:
        raise UploadRejected(415, "the recording is not a WebM or MP4 video")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise UploadRejected(422, f"the recording does not open as a {container} video")
        ok, first = cap.read()
        if not ok or first is None:
            raise UploadRejected(422, "no frame of the recording decodes")
        height, width = first.shape[:2]
        if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
            raise UploadRejected(422, f"the recording's frames are {width}x{height}; 16 to {MAX_SIDE} pixels a side")
        frames, last_ms = 1, 0.0
        cap_ms = limits.max_seconds * 1000.0
        # grab() decodes without converting colours: every frame is checked at a third of read()'s cost.
        while cap.grab():
            frames += 1
            pts = cap.get(cv2.CAP_PROP_POS_MSEC)
            if math.isfinite(pts):
                last_ms = max(last_ms, pts)
            if last_ms > cap_ms or frames > limits.max_seconds * 240:
                raise UploadRejected(413, f"the recording is longer than {limits.max_seconds:.0f} s")
    finally:
        cap.release()
    if frames < MIN_FRAMES or last_ms < MIN_SECONDS * 1000.0:
        raise UploadRejected(422, f"the recording holds {frames} frames over {last_ms / 1000:.1f} s: too short to use")
    clock_end = clock.pairs[-1][0]
    if last_ms < clock_end - TRUNCATION_SLACK_MS:
        raise UploadRejected(
            422,
            f"the recording ends at {last_ms / 1000:.1f} s but the ad clock runs to {clock_end / 1000:.1f} s: "
            "it is cut off (an incomplete upload); send it again",
        )
    return Recording(container, frames, last_ms, width, height)


def check_snapshot(data: bytes, max_bytes: int = 1024 * 1024) -> bytes:
    """A camera-check picture: a JPEG or PNG of at most ``max_bytes``.

    Raises:
        UploadRejected: 413 when too large, 415 when not a JPEG or PNG.
    """
    if len(data) > max_bytes:
        raise UploadRejected(413, f"the camera picture is over {max_bytes // 1024} kB")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise UploadRejected(415, "the camera picture is not a JPEG or PNG image")
    return data
