"""``timeline.csv``: one row per processed frame and face, and its in-memory columns.

Rows of frames with no face have an empty viewer, box and probabilities, so coverage is
visible. ``phase`` says where the frame falls relative to the ad: ``calibration`` (resting
face before the ad), ``pre`` (before the ad, not calibration), ``ad``, ``post`` (after it).

The last four columns (head pose and attention) came later: timelines written before them
still load, with the pose unknown (NaN) and :attr:`Timeline.has_attention` False.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.emotions import EMOTIONS, GROUP_OF, GROUPS
from emolab.errors import SessionError

PHASES = ("calibration", "pre", "ad", "post")
RAW_COLUMNS = tuple(f"p_{e}" for e in EMOTIONS)
SMOOTH_COLUMNS = tuple(f"s_{e}" for e in EMOTIONS)
COLUMNS = (
    "frame_index",  # source frame number (gaps = frames the source delivered but we skipped)
    "source_ms",  # position in the reaction video, or the camera's own clock
    "capture_ms",  # ms since the session started when the frame was captured
    "result_ms",  # ms since the session started when its result was ready
    "ad_ms",  # ad playback position when the frame was captured
    "phase",
    "viewer_id",
    "x1",
    "y1",
    "x2",
    "y2",
    "score",
    *RAW_COLUMNS,
    *SMOOTH_COLUMNS,
    "label",  # argmax of the smoothed probabilities
    "group",
    "yaw",  # smoothed head pose in degrees (emolab.pose has the signs); empty when unknown
    "pitch",
    "roll",
    "attentive",  # 1 = within the attention cone, 0 = outside; empty without a face or pose
)
POSE_COLUMNS = ("yaw", "pitch", "roll")
#: The header before head pose was recorded; such timelines are still read.
COLUMNS_WITHOUT_POSE = COLUMNS[: -len(POSE_COLUMNS) - 1]


def phase_of(ad_ms: float, duration_ms: float, calibration_ms: float) -> str:
    """The phase of a frame at ``ad_ms``: the ad is ``[0, duration_ms)``; at its duration it has ended."""
    if ad_ms < 0:
        return "calibration" if calibration_ms > 0 and ad_ms >= -calibration_ms else "pre"
    if ad_ms >= duration_ms:
        return "post"
    return "ad"


@dataclass
class Timeline:
    """Columns of a timeline as numpy arrays (one entry per row)."""

    frame_index: np.ndarray
    source_ms: np.ndarray
    capture_ms: np.ndarray
    result_ms: np.ndarray
    ad_ms: np.ndarray
    phase: np.ndarray
    viewer_id: np.ndarray  # -1 where the frame had no face
    box: np.ndarray  # (n, 4), NaN without a face
    score: np.ndarray
    probs: np.ndarray  # (n, 7) raw, canonical order
    smoothed: np.ndarray  # (n, 7)
    label: np.ndarray
    group: np.ndarray
    pose: np.ndarray | None = None  # (n, 3) yaw, pitch, roll in degrees; NaN where unknown
    attentive: np.ndarray | None = None  # 1.0 / 0.0, NaN without a face or a pose
    #: False for a timeline written before emolab recorded head pose: attention is unknown.
    has_attention: bool = False

    def __post_init__(self) -> None:
        n = len(self.frame_index)
        if self.pose is None:
            self.pose = np.full((n, len(POSE_COLUMNS)), np.nan)
        if self.attentive is None:
            self.attentive = np.full(n, np.nan)

    def __len__(self) -> int:
        return len(self.frame_index)

    @property
    def has_face(self) -> np.ndarray:
        return self.viewer_id >= 0

    def select(self, mask: np.ndarray) -> Timeline:
        return Timeline(
            **{
                k: v[mask] if isinstance(v, np.ndarray) else v
                for k, v in ((k, getattr(self, k)) for k in self.__dataclass_fields__)
            }
        )

    def in_phase(self, phase: str) -> Timeline:
        return self.select(self.phase == phase)


def format_row(values: dict[str, object]) -> list[str]:
    """A CSV row in column order; floats with enough digits to recompute metrics exactly."""
    out = []
    for col in COLUMNS:
        v = values.get(col, "")
        if v is None:
            out.append("")
        elif isinstance(v, float):
            out.append("" if math.isnan(v) else f"{v:.6g}" if col.startswith(("p_", "s_", "score")) else f"{v:.3f}")
        else:
            out.append(str(v))
    return out


def read_timeline(path: Path) -> Timeline:
    """Parse ``timeline.csv``.

    A last line cut short (the process was killed mid-write) is dropped; any other malformed
    line is an error naming the line.

    Raises:
        SessionError: missing file, wrong header, or a malformed row.
    """
    path = Path(path)
    if not path.is_file():
        raise SessionError(f"{path} is missing; this folder is not a complete emolab session")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"cannot read {path}: {exc}") from exc
    complete = text.endswith("\n")
    try:
        lines = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise SessionError(f"{path} is not a readable CSV file ({exc}); the file is damaged") from exc
    header = tuple(lines[0]) if lines else ()
    if header not in (COLUMNS, COLUMNS_WITHOUT_POSE):
        raise SessionError(
            f"{path} does not start with emolab's timeline header; it is not an emolab timeline "
            "or it was edited. Restore it from a backup."
        )
    rows = lines[1:]
    if rows and not complete:
        rows = rows[:-1]  # every row ends with a newline: the last write was interrupted
    for i, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise SessionError(f"{path} line {i} has {len(row)} fields, expected {len(header)}; the file is damaged")
    columns = list(zip(*rows)) if rows else [() for _ in header]
    cols: dict[str, list[str]] = {c: list(v) for c, v in zip(header, columns)}
    try:
        return _to_arrays(cols)
    except ValueError as exc:
        raise SessionError(
            f"{path} holds a wrong value ({exc}); the file is damaged. Restore it from a backup or analyse again."
        ) from exc


def _number(text: str, kind: type = float) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a number where one is expected") from None
    if kind is int and not -(2**62) < value < 2**62:
        raise ValueError(f"{text[:40]!r} is too large")
    return value


def _num(values: list[str]) -> np.ndarray:
    try:  # the common case in one pass (a study reads millions of values); _number names a bad one
        return np.array([float(v) if v != "" else np.nan for v in values], dtype=np.float64)
    except ValueError:
        return np.array([_number(v) if v != "" else np.nan for v in values], dtype=np.float64)


def _finite(name: str, values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """``values``, checked finite (everywhere, or on the rows ``where`` is true)."""
    bad = (
        ~np.isfinite(values)
        if where is None
        else (where[:, None] if values.ndim == 2 else where) & ~np.isfinite(values)
    )
    if np.any(bad):
        raise ValueError(f"{name} is empty, infinite or not a number on a row that needs it")
    return values


def _to_arrays(cols: dict[str, list[str]]) -> Timeline:
    n = len(cols["frame_index"])
    frame_index = np.array([_number(v, int) for v in cols["frame_index"]], dtype=np.int64)
    if np.any(frame_index < 0):
        raise ValueError("a negative frame_index")
    viewer = np.array([_number(v, int) if v != "" else -1 for v in cols["viewer_id"]], dtype=np.int64)
    if np.any(np.array([v != "" for v in cols["viewer_id"]], dtype=bool) & (viewer < 0)):
        raise ValueError("a negative viewer_id")
    phase = np.array(cols["phase"], dtype=object) if n else np.zeros(0, dtype=object)
    bad = sorted({p for p in phase if p not in PHASES})
    if bad:
        raise ValueError(f"unknown phase(s) {bad}")
    labels = np.array(cols["label"], dtype=object) if n else np.zeros(0, dtype=object)
    groups = np.array(cols["group"], dtype=object) if n else np.zeros(0, dtype=object)
    for lab, grp, vid in zip(labels, groups, viewer):
        if vid >= 0 and (lab not in EMOTIONS or GROUP_OF[lab] != grp or grp not in GROUPS):
            raise ValueError(f"label {lab!r} / group {grp!r}")

    def stack(names: tuple[str, ...]) -> np.ndarray:
        return np.stack([_num(cols[c]) for c in names], axis=1) if n else np.zeros((0, len(names)))

    face = viewer >= 0
    probs, smoothed = stack(RAW_COLUMNS), stack(SMOOTH_COLUMNS)
    for name, p in (("a raw probability", probs), ("a smoothed probability", smoothed)):
        _finite(name, p, face)
        if np.any(face[:, None] & ((p < 0.0) | (p > 1.0 + 1e-6))):
            raise ValueError(f"{name} outside 0..1")

    has_attention = "attentive" in cols
    attentive = None
    if has_attention:
        bad_flags = sorted({v for v in cols["attentive"] if v not in ("", "0", "1")})
        if bad_flags:
            raise ValueError(f"attentive must be 1, 0 or empty, got {bad_flags}")
        attentive = _num(cols["attentive"])

    return Timeline(
        frame_index=frame_index,
        source_ms=_finite("source_ms", _num(cols["source_ms"])),
        capture_ms=_finite("capture_ms", _num(cols["capture_ms"])),
        result_ms=_finite("result_ms", _num(cols["result_ms"])),
        ad_ms=_finite("ad_ms", _num(cols["ad_ms"])),
        phase=phase,
        viewer_id=viewer,
        box=_finite("a face box", stack(("x1", "y1", "x2", "y2")), face),
        score=_finite("score", _num(cols["score"]), face),
        probs=probs,
        smoothed=smoothed,
        label=labels,
        group=groups,
        pose=stack(POSE_COLUMNS) if has_attention else None,
        attentive=attentive,
        has_attention=has_attention,
    )
