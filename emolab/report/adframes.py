"""Finding the ad a session was recorded against, and taking thumbnails of its frames.

Thumbnails are always frames of the AD (never of the respondent's face): that is what tells a
marketer which moment of the ad caused a reaction.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolab.errors import SourceError
from emolab.modelcards import sha256_of

log = logging.getLogger(__name__)

THUMB_SIDE = 320


def find_ad(ad: dict[str, Any], near: Iterable[Path] = ()) -> tuple[Path | None, str]:
    """The ad file a session describes, checked by size and sha256.

    Looks at the recorded path, then for the same file name in the folders ``near`` (a
    session folder and its parent, so a study copied with its ad still finds it).

    Returns:
        The path (None if not found) and a sentence saying what was found.
    """
    candidates = [Path(ad.get("path") or "")]
    for folder in near:
        candidates += [Path(folder) / ad["file"], Path(folder).parent / ad["file"]]
    wrong = []
    for path in candidates:
        if not path.name or not path.is_file():
            continue
        if ad.get("size_bytes") is not None and path.stat().st_size != int(ad["size_bytes"]):
            wrong.append(path)
            continue
        if sha256_of(path) != ad["sha256"]:
            wrong.append(path)
            continue
        return path, f"ad frames from {path}"
    if wrong:
        msg = (
            f"{wrong[0]} is not the ad this session was recorded with (its checksum differs); "
            "ad thumbnails and scenes are left out"
        )
    else:
        msg = (
            f"the ad file {ad['file']} was not found (looked at {ad.get('path')} and beside the session); "
            "ad thumbnails and scenes are left out — put the ad beside the session folder to include them"
        )
    log.warning(msg)
    return None, msg


def frame_index_at(t_ms: float, fps: float) -> int:
    """The ad frame shown at ``t_ms`` (same rule as :func:`emolab.media.read_frame_at`)."""
    return max(0, int(t_ms * fps / 1000.0))


def shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    if max(frame.shape[:2]) <= max_side:
        return frame
    s = max_side / max(frame.shape[:2])
    return cv2.resize(frame, (round(frame.shape[1] * s), round(frame.shape[0] * s)), interpolation=cv2.INTER_AREA)


def grab_frames(path: Path, times_ms: Iterable[float], max_side: int = THUMB_SIDE) -> dict[int, np.ndarray]:
    """Decode the ad once, front to back, keeping the frames shown at ``times_ms``.

    One sequential pass is much faster than seeking per thumbnail in long-GOP H.264.

    Returns:
        Frame index → shrunken BGR frame (indices past the end are missing).
    """
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open ad {path}; it must stay where the session says it was")
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
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


def jpeg_data_uri(frame: np.ndarray, quality: int = 82) -> str:
    """A ``data:image/jpeg;base64,...`` URI that embeds ``frame`` in the page."""
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SourceError("could not encode an ad thumbnail as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def decode_data_uri(uri: str) -> np.ndarray:
    """The BGR image inside a JPEG data URI (for checks and tools)."""
    data = base64.b64decode(uri.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
