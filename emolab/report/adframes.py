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

from emolab.errors import EmolabError, SourceError
from emolab.media import frame_index_at, grab_frames
from emolab.modelcards import sha256_of
from emolab.report.series import shown_ms

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


def attach_ad_frames(data: dict[str, Any], scenes: list[dict[str, Any]], ad_path: Path | None) -> dict[int, str]:
    """Give each moment, look-away and scene of a report the ad frame it shows, and take them.

    Sets ``frame_index`` on every card (and ``thumb_ms`` on scenes: half a second in, or the
    middle of a shorter scene); returns frame index → thumbnail, empty without a readable ad.
    """
    fps = float(data["ad"].get("fps") or 30.0)
    cards = [m for ms in [*data["moments"].values(), data["attention"]["look_aways"]] for m in ms]
    for m in cards:
        m["frame_index"] = frame_index_at(shown_ms(m), fps)
    for s in scenes:
        s["thumb_ms"] = s["start_ms"] + min(500.0, (s["end_ms"] - s["start_ms"]) / 2)
        s["frame_index"] = frame_index_at(s["thumb_ms"], fps)
    if ad_path is None:
        return {}
    try:
        return ad_thumbnails(ad_path, [shown_ms(m) for m in cards] + [s["thumb_ms"] for s in scenes])
    except EmolabError as exc:  # a report without thumbnails beats no report
        log.warning("no ad thumbnails: %s", exc)
        return {}


def ad_thumbnails(path: Path, times_ms: Iterable[float]) -> dict[int, str]:
    """Frame index → JPEG data URI of the ad frame shown at each of ``times_ms``."""
    return {i: jpeg_data_uri(f) for i, f in grab_frames(path, times_ms, max_side=THUMB_SIDE).items()}


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
