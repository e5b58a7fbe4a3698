"""One typed settings object: defaults, ``EMOLAB_*`` environment overrides, validation."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from emolab.errors import SettingsError
from emolab.runtime import app_root

ENV_PREFIX = "EMOLAB_"
#: Settings renamed since an earlier release: old name -> new name (old files keep loading).
_RENAMED = {"torch_threads": "model_threads"}
#: Facial reactions come within a second or two; a longer delay would pair a peak with an
#: unrelated moment of the ad.
MAX_REACTION_DELAY_S = 3.0


def default_models_dir() -> Path:
    """The folder holding model files and their cards.

    The installed app's bundle has it; a source checkout or an editable install uses the
    repository's ``models/``.
    """
    return app_root() / "models"


def default_sessions_dir() -> Path:
    """Where sessions are written unless the user picks another folder."""
    return Path.home() / "emolab-sessions"


@dataclass
class Settings:
    """Everything a user can tune. Field names are the keys of files and ``EMOLAB_`` variables.

    Unknown keys are rejected so that a typo never silently falls back to a default.
    """

    models_dir: Path = field(default_factory=default_models_dir)
    sessions_dir: Path = field(default_factory=default_sessions_dir)
    detector: str = "auto"
    classifier: str = "auto"
    #: Unpickling a whole torch module runs code from the file: only with explicit consent.
    trust_pickles: bool = False
    #: Frames are shrunk so that their longer side is at most this before face detection.
    detect_max_side: int = 640
    min_face_px: int = 40
    detect_threshold: float = 0.6
    max_faces: int = 4
    #: Run the full face detector at least this often (seconds); between, followed faces are
    #: refined cheaply (MTCNN's last stage around the previous box). 0 = full detection on
    #: every frame. New faces are found within this delay.
    redetect_s: float = 0.5
    #: Exponential smoothing time constant of the per-viewer probabilities, in seconds.
    smoothing_s: float = 0.3
    #: A track with no matching face for this long is forgotten.
    track_timeout_s: float = 1.5
    #: EmoNPS weight of Silent respondents (0.2..1, chosen empirically by the marketer).
    emonps_k: float = 0.5
    #: A group's run of consecutive face frames must last this long to count as a "trace".
    trace_min_s: float = 0.5
    calibration_s: float = 0.0
    #: A face reacts after what caused it: distinct facial-muscle (EMG) reactions to emotional
    #: pictures appear 300-400 ms after the picture does (Dimberg & Thunberg 1998, Scand. J.
    #: Psychol. 39:39-45), and the movement a camera sees follows the muscle activity. A key
    #: moment's emotion peak is shown with the ad frame on screen this long before it.
    reaction_delay_s: float = 0.5
    #: Intra-op threads of each model (ONNX Runtime or PyTorch). One is the robust choice: with
    #: two, spinning worker threads collide with the ad's decoder and the UI on a 2-core machine
    #: and a frame can take 40x longer; the pipeline gets its parallelism from its own threads.
    model_threads: int = 1
    #: Attention cone, in degrees either side of the viewer's straight-ahead (the calibration
    #: median, else facing the camera). A 24" screen seen from 65 cm spans ±22° x ±13° and
    #: heads follow only part of a gaze shift (the eyes do the rest), so a viewer's head
    #: stays within about ±15° x ±10° while watching; the rest is five-point pose noise
    #: (±5-7°) and, without calibration, a camera on the screen's edge. See the README.
    attention_yaw_deg: float = 25.0
    attention_pitch_deg: float = 20.0
    #: Emotion shares and EEI over attentive face frames only (off: over every face frame).
    attentive_only: bool = False
    #: Memory (MB) of the object store of a Ray cluster that ``emolab batch --engine ray``
    #: starts on this machine; Ray would otherwise reserve 30% of RAM. Reaction videos pass
    #: through it, one per worker at a time; larger ones spill to disk.
    ray_object_store_mb: int = 200

    def __post_init__(self) -> None:
        self.models_dir = Path(self.models_dir)
        self.sessions_dir = Path(self.sessions_dir)
        self.validate()

    def validate(self) -> None:
        """Raise :class:`SettingsError` for out-of-range values."""
        if not 0.2 <= self.emonps_k <= 1.0:
            raise SettingsError(f"emonps_k must be between 0.2 and 1, got {self.emonps_k}")
        if not 0.0 < self.detect_threshold < 1.0:
            raise SettingsError(f"detect_threshold must be in (0, 1), got {self.detect_threshold}")
        for name in ("detect_max_side", "min_face_px", "max_faces", "model_threads", "ray_object_store_mb"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be a positive integer, got {getattr(self, name)}")
        for name in ("smoothing_s", "track_timeout_s", "trace_min_s", "calibration_s", "redetect_s"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must not be negative, got {getattr(self, name)}")
        if not 0.0 <= self.reaction_delay_s <= MAX_REACTION_DELAY_S:
            raise SettingsError(
                f"reaction_delay_s must be between 0 and {MAX_REACTION_DELAY_S:g} s, got {self.reaction_delay_s}"
            )
        for name in ("attention_yaw_deg", "attention_pitch_deg"):
            if not 0.0 < getattr(self, name) <= 90.0:
                raise SettingsError(f"{name} must be in (0, 90] degrees, got {getattr(self, name)}")

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (values may be strings, as from a command line)."""
        return Settings.from_mapping({**self.to_dict(), **changes})

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Settings:
        values = {_RENAMED.get(k, k): v for k, v in values.items()}
        unknown = sorted(set(values) - set(cls.keys()))
        if unknown:
            raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; known settings are {', '.join(cls.keys())}")
        typed: dict[str, Any] = {}
        hints = {f.name: f for f in fields(cls)}
        for key, raw in values.items():
            typed[key] = _coerce(key, raw, hints[key])
        return cls(**typed)

    @classmethod
    def load(cls, path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
        """Defaults, then a JSON settings file (if given), then ``EMOLAB_*`` variables."""
        values: dict[str, Any] = {}
        if path is not None and Path(path).exists():
            try:
                values.update(json.loads(Path(path).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise SettingsError(f"cannot read settings file {path}: {exc}; fix or delete it") from exc
        env = os.environ if environ is None else environ
        for key in [*cls.keys(), *_RENAMED]:
            var = ENV_PREFIX + key.upper()
            if var in env:
                values[key] = env[var]
        return cls.from_mapping(values)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
        return out

    def to_record(self) -> dict[str, Any]:
        """The settings as a session's ``session.json`` records them.

        ``models_dir`` is left out unless the user chose it: emolab's own folder (a source
        checkout, or a frozen app's temporary bundle) says nothing about the session and would
        carry paths of the machine emolab was installed or built on.
        """
        out = self.to_dict()
        if Path(self.models_dir).resolve() == default_models_dir().resolve():
            del out["models_dir"]
        return out


def _coerce(key: str, raw: Any, f: dataclasses.Field) -> Any:
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    try:
        if isinstance(default, bool):
            if isinstance(raw, str):
                if raw.strip().lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.strip().lower() in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(raw)
            return bool(raw)
        if isinstance(default, Path):
            return Path(raw).expanduser()
        return type(default)(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {key} expects a {type(default).__name__}, got {raw!r}") from exc
