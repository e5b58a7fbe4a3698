"""A session is a folder: ``session.json``, ``timeline.csv`` and ``summary.json``.

The timeline is appended while it is produced and flushed every frame (synced to disk at
least once a second), so a killed process loses at most the last second and the summary can
be rebuilt from whatever was written.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from emolab import __version__
from emolab.emotions import EMOTIONS
from emolab.errors import SessionError, SettingsError
from emolab.media import AdInfo
from emolab.outputs import write_reason
from emolab.pipeline import FrameResult
from emolab.session.metrics import compute_summary
from emolab.session.quality import session_warnings
from emolab.session.timeline import COLUMNS, POSE_COLUMNS, Timeline, format_row, phase_of, read_timeline
from emolab.settings import Settings

log = logging.getLogger(__name__)

SESSION_FILE = "session.json"
TIMELINE_FILE = "timeline.csv"
SUMMARY_FILE = "summary.json"
FORMAT = "emolab-session"
FORMAT_VERSION = 1
#: No ad lasts a day: a longer duration in session.json is damage.
MAX_AD_MS = 24 * 3600 * 1000.0
#: Settings the numbers of a session depend on, with the range a session may hold.
# The settings a session's numbers are computed with, read back from its session.json.
METRIC_SETTINGS = (
    "emonps_k",
    "trace_min_s",
    "reaction_delay_s",
    "attention_yaw_deg",
    "attention_pitch_deg",
    "attentive_only",
)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON through a temporary file so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only file system even this fails
            tmp.unlink(missing_ok=True)
        raise SessionError(
            f"cannot write {path}: {exc.strerror or exc}. Free disk space or pick another folder; "
            "the timeline recorded so far is kept."
        ) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def safe_name(respondent: str) -> str:
    """A respondent id as a portable folder name: letters, digits, ``_ . -`` only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", respondent.strip()).strip("-.") or "respondent"


def session_folder_name(respondent: str, when: datetime | None = None) -> str:
    when = when or datetime.now()
    return f"{when:%Y%m%d-%H%M%S}_{safe_name(respondent)}"


class SessionWriter:
    """Writes one session folder while results arrive."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessionError(f"cannot create session folder {self.folder}: {exc.strerror or exc}") from exc
        if any(self.folder.iterdir()):
            raise SessionError(f"session folder {self.folder} is not empty; choose a new folder")
        self.meta = dict(meta)
        self.meta.setdefault("format", FORMAT)
        self.meta.setdefault("format_version", FORMAT_VERSION)
        self.meta.setdefault("software", {"name": "emolab", "version": __version__})
        self.meta.setdefault("started_at", datetime.now(UTC).isoformat(timespec="seconds"))
        self.meta["status"] = "recording"
        self.t0 = time.monotonic()
        self.duration_ms = float(self.meta["ad"]["duration_ms"])
        self.calibration_ms = float(self.meta.get("calibration_s", 0.0)) * 1000.0
        self.rows = 0
        self.frames = 0
        self._last_sync = time.monotonic()
        #: Why the timeline stopped taking rows (a full disk), or None.
        self.write_error: str | None = None
        write_json_atomic(self.folder / SESSION_FILE, self.meta)
        try:
            # Unbuffered: each frame's rows go to the file in one write, or (disk full) not at all.
            self._fh = open(self.folder / TIMELINE_FILE, "wb", buffering=0)
        except OSError as exc:
            raise SessionError(f"cannot write {self.folder / TIMELINE_FILE}: {exc.strerror or exc}") from exc
        self._size = 0  # bytes of whole rows in the file
        self.closed = False
        self._append([COLUMNS])

    @classmethod
    def create(
        cls,
        sessions_dir: Path,
        respondent: str,
        ad: AdInfo,
        source: dict[str, Any],
        models: dict[str, Any],
        settings: dict[str, Any],
        calibration_s: float = 0.0,
        folder: Path | None = None,
        extra: dict[str, Any] | None = None,
    ) -> SessionWriter:
        """Start a session in ``folder`` or a new timestamped folder under ``sessions_dir``."""
        if folder is None:
            folder = Path(sessions_dir) / session_folder_name(respondent)
            n = 2
            while folder.exists():
                folder = Path(sessions_dir) / f"{session_folder_name(respondent)}-{n}"
                n += 1
        meta = {
            "respondent": respondent,
            "ad": ad.to_dict(),
            "source": source,
            "models": models,
            "settings": settings,
            "calibration_s": calibration_s,
            **(extra or {}),
        }
        return cls(Path(folder), meta)

    def phase(self, ad_ms: float) -> str:
        return phase_of(ad_ms, self.duration_ms, self.calibration_ms)

    def write(self, result: FrameResult, ad_ms: float) -> None:
        """Append the rows of one processed frame (one per face, or one saying no face)."""
        if self.closed:
            raise SessionError(f"session {self.folder} is already closed")
        now = time.monotonic()
        base = {
            "frame_index": result.frame_index,
            "source_ms": float(result.timestamp_ms),
            "capture_ms": (result.captured_at - self.t0) * 1000.0,
            "result_ms": (now - self.t0) * 1000.0,
            "ad_ms": float(ad_ms),
            "phase": self.phase(ad_ms),
        }
        rows = []
        if not result.faces:
            rows.append(format_row(base))
        for face in result.faces:
            row = dict(base, viewer_id=face.viewer_id, score=float(face.score), label=face.label, group=face.group)
            row.update(zip(("x1", "y1", "x2", "y2"), map(float, face.box)))
            row.update({f"p_{e}": float(face.probs[i]) for i, e in enumerate(EMOTIONS)})
            row.update({f"s_{e}": float(face.smoothed[i]) for i, e in enumerate(EMOTIONS)})
            if face.pose is not None:
                row.update(zip(POSE_COLUMNS, map(float, face.pose)))
            if face.attentive is not None:
                row["attentive"] = int(face.attentive)
            rows.append(format_row(row))
        self._append(rows)
        if now - self._last_sync >= 1.0:
            with contextlib.suppress(OSError):  # the rows are written; syncing is only a safeguard
                os.fsync(self._fh.fileno())
            self._last_sync = now
        self.rows += len(rows)
        self.frames += 1

    def _append(self, rows: list[Any]) -> None:
        """Write whole rows, or none: a write cut short (a full disk) is undone, and later ones refused."""
        if self.write_error is not None:
            raise SessionError(self.write_error)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        data = memoryview(buf.getvalue().encode("utf-8"))
        done = 0
        try:
            while done < len(data):
                written = self._fh.write(data[done:])
                if not written:
                    raise OSError(errno.EIO, "the file took no data")
                done += written
        except OSError as exc:
            with contextlib.suppress(OSError):  # truncating frees space: it works on a full disk
                os.ftruncate(self._fh.fileno(), self._size)
            kept = f"The {self.frames} frames recorded until then are kept" if self.frames else "Nothing was recorded"
            self.write_error = f"cannot write {self.folder / TIMELINE_FILE}: {write_reason(exc)}. {kept}"
            raise SessionError(self.write_error) from exc
        self._size += len(data)

    def close(self, status: str = "complete", reason: str = "") -> dict[str, Any]:
        """Finish the timeline, write ``summary.json`` and mark the session ``status``."""
        if self.closed:
            return json.loads((self.folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        self.closed = True
        try:
            os.fsync(self._fh.fileno())
        except OSError as exc:
            log.error("could not sync %s: %s", self.folder / TIMELINE_FILE, exc)
        finally:
            self._fh.close()  # unbuffered: nothing is left to write
        self.meta["status"] = status
        self.meta["end_reason"] = reason
        self.meta["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_json_atomic(self.folder / SESSION_FILE, self.meta)
        return rebuild_summary(self.folder)


@dataclass
class Session:
    """A session read back from its folder."""

    folder: Path
    meta: dict[str, Any]
    timeline: Timeline
    summary: dict[str, Any] | None

    @property
    def ad(self) -> AdInfo:
        return AdInfo.from_dict(self.meta["ad"])

    @property
    def respondent(self) -> str:
        return str(self.meta.get("respondent", ""))


def read_meta(folder: Path) -> dict[str, Any]:
    """Read and check ``session.json``: every value emolab computes with must make sense.

    Raises:
        SessionError: missing, not JSON, or holding values no session can have.
    """
    path = Path(folder) / SESSION_FILE
    if not Path(folder).is_dir():
        raise SessionError(f"session folder {folder} does not exist")
    if not path.is_file():
        raise SessionError(f"{folder} has no {SESSION_FILE}; it is not an emolab session folder")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SessionError(f"{path} is not valid JSON ({exc}); the session's description is damaged") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SessionError(f"{path} is not an emolab session description")
    ad = meta.get("ad")
    if not isinstance(ad, dict) or any(k not in ad for k in ("file", "sha256", "duration_ms")):
        raise SessionError(f"{path} lacks the ad's file, sha256 or duration")
    problems = _meta_problems(meta)
    if problems:
        raise SessionError(f"{path} is damaged: {'; '.join(problems)}. Restore it from a backup.")
    return meta


def _is_number(value: Any, low: float = -math.inf, high: float = math.inf) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _meta_problems(meta: dict[str, Any]) -> list[str]:
    """What in a session description cannot be right (empty when it is sound)."""
    problems = []
    ad = meta["ad"]
    if not isinstance(ad["file"], str) or not isinstance(ad["sha256"], str):
        problems.append("the ad's file name and sha256 must be text")
    if any(isinstance(ad.get(k), str) and "\x00" in ad[k] for k in ("file", "path")):
        problems.append("the ad's file name and path must not hold a NUL character")
    if not _is_number(ad["duration_ms"], 1.0, MAX_AD_MS):
        problems.append(f"the ad's duration_ms must be a number between 1 and {MAX_AD_MS:.0f}")
    if ad.get("fps") is not None and not _is_number(ad["fps"], 1.0, 1000.0):
        problems.append("the ad's fps must be a number between 1 and 1000")
    if ad.get("path") is not None and not isinstance(ad["path"], str):
        problems.append("the ad's path must be text")
    if ad.get("size_bytes") is not None and not _is_number(ad["size_bytes"], 0):
        problems.append("the ad's size_bytes must be a number")
    if not _is_number(meta.get("calibration_s", 0.0), 0.0, 3600.0):
        problems.append("calibration_s must be a number of seconds between 0 and 3600")
    for key in ("source", "models", "settings"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            problems.append(f"{key} must be an object")
    if isinstance(meta.get("models"), dict) and any(
        v is not None and not isinstance(v, dict) for v in meta["models"].values()
    ):
        problems.append("each model in models must be an object")
    if isinstance(meta.get("settings") or {}, dict):
        try:
            recorded_settings(meta)
        except SettingsError as exc:
            problems.append(str(exc))
    check = meta.get("ad_face_check")
    if check is not None and not (
        isinstance(check, dict)
        and _is_number(check.get("frames_sampled"), 0, 10_000)
        and _is_number(check.get("frames_with_face"), 0, check.get("frames_sampled"))
    ):
        problems.append("ad_face_check must hold frames_sampled and frames_with_face (at most frames_sampled)")
    return problems


def load_session(folder: str | Path) -> Session:
    """Read a session folder (read-only: nothing in it is changed).

    Raises:
        SessionError: for a missing, malformed or truncated-beyond-repair file.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    timeline = read_timeline(folder / TIMELINE_FILE)
    summary = None
    summary_path = folder / SUMMARY_FILE
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SessionError(
                f"{summary_path} is not valid JSON ({exc}); run 'emolab summary --rebuild {folder}'"
            ) from exc
        if not isinstance(summary, dict):
            raise SessionError(f"{summary_path} is not an emolab summary; run 'emolab summary --rebuild {folder}'")
    return Session(folder=folder, meta=meta, timeline=timeline, summary=summary)


def recorded_settings(meta: dict[str, Any]) -> Settings:
    """The :data:`METRIC_SETTINGS` a session was recorded with (today's defaults where absent).

    Raises:
        SettingsError: a recorded value of the wrong type or out of range.
    """
    recorded = meta.get("settings") or {}
    return Settings.from_mapping({k: recorded[k] for k in METRIC_SETTINGS if k in recorded})


def recorded_setting(meta: dict[str, Any], name: str) -> float:
    """One of the :data:`METRIC_SETTINGS` as the session was recorded with it."""
    return getattr(recorded_settings(meta), name)


class MetricSettings(NamedTuple):
    """The settings a session's metrics depend on."""

    emonps_k: float
    trace_min_s: float
    attentive_only: bool


def metric_settings(meta: dict[str, Any], attentive_only: bool | None = None) -> MetricSettings:
    """The metric settings a session was recorded with (today's defaults where absent).

    Args:
        meta: the session's ``session.json``.
        attentive_only: overrides the recorded ``attentive_only`` (None keeps it).
    """
    recorded = recorded_settings(meta)
    only = recorded.attentive_only if attentive_only is None else bool(attentive_only)
    return MetricSettings(recorded.emonps_k, recorded.trace_min_s, only)


def summary_for(
    meta: dict[str, Any], timeline: Timeline, scenes: list[Any] | None = None, attentive_only: bool | None = None
) -> dict[str, Any]:
    """The summary of a timeline under the settings its session was recorded with.

    Holds the metrics (:func:`~emolab.session.metrics.compute_summary`) and the session's
    data-quality ``warnings`` (:func:`~emolab.session.quality.session_warnings`).
    ``attention_by_scene`` is filled when the ad's ``scenes`` are given (the report package finds them),
    else None. ``attentive_only`` overrides the recorded setting (None keeps it).
    """
    k, trace_min_s, only_attentive = metric_settings(meta, attentive_only)
    summary = compute_summary(timeline, k, trace_min_s, attentive_only=only_attentive, scenes=scenes)
    summary["warnings"] = session_warnings(meta, timeline, summary)
    return summary


def rebuild_summary(folder: str | Path, scenes: list[Any] | None = None) -> dict[str, Any]:
    """Recompute ``summary.json`` from ``timeline.csv`` (after a crash, or to check it).

    ``attention_by_scene`` needs the ad's ``scenes`` (see
    :func:`emolab.report.session_report.rebuild_with_scenes`). Cutting the ad into scenes decodes
    all of it, so closing a session does not do it: stopping a screening or finishing an
    analysis stays instant.
    """
    folder = Path(folder)
    summary = summary_for(read_meta(folder), read_timeline(folder / TIMELINE_FILE), scenes)
    write_json_atomic(folder / SUMMARY_FILE, summary)
    return summary
