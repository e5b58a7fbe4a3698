"""Study folders as ``emolab aggregate`` and ``emolab batch`` write them: which sessions they hold.

A study folder is recognised, in this order, by:

1. its ``study.html``, which names the session folders the study was built from (relative
   to the study folder when they sit below it or beside it);
2. a ``sessions/`` folder of session folders (``emolab batch``'s layout);
3. session folders directly inside it (the window's *Study report from a folder*, or
   ``emolab aggregate SESSIONS --out SESSIONS``).

Everything here only reads.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emolab.errors import EmolabError, StudyError
from emolab.report import html
from emolab.report.adframes import find_ad
from emolab.report.scenes import Scene, detect_scenes
from emolab.report.series import SERIES_NAMES, FrameCurves, key_moments
from emolab.report.study import STUDY_FILE, respondent_seconds, study_numbers
from emolab.session.store import SESSION_FILE, Session, load_session

log = logging.getLogger(__name__)

SESSIONS = "sessions"
PAGE_SCENES = "the study report"


#: How the study page shows a scene's thumbnail (emolab.report.templates.STUDY_TEMPLATE).
_SCENE_THUMB = re.compile(r'<img class="scene-thumb" alt="scene (\d+)" src="(data:image/jpeg;base64,[A-Za-z0-9+/=]+)"')


def _page_data(folder: Path) -> tuple[dict[str, Any] | None, str]:
    page = folder / STUDY_FILE
    if not page.is_file():
        return None, ""
    try:
        text = page.read_text(encoding="utf-8")
        data = html.read_data(text)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return None, f"{page} cannot be read ({exc})"
    if not isinstance(data, dict) or data.get("kind") != "study":
        return None, f"{page} is not an emolab study report"
    # The page's scene thumbnails are frames of the ad: a comparison matches scenes by them
    # without decoding the ad again.
    data["_scene_thumbs"] = {int(i): uri for i, uri in _SCENE_THUMB.findall(text)}
    return data, ""


def _session_dirs_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if (p / SESSION_FILE).is_file()) if folder.is_dir() else []


def study_session_dirs(folder: str | Path) -> tuple[list[Path], dict[str, Any] | None]:
    """The session folders of the study in ``folder`` and its page's embedded data (None without one).

    Raises:
        StudyError: ``folder`` is missing, is no study, or its study holds no respondent.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise StudyError(f"study folder {folder} does not exist; give a folder written by emolab aggregate or batch")
    if (folder / SESSION_FILE).is_file():
        raise StudyError(
            f"{folder} is one session, not a study; build a study first: emolab aggregate SESSIONS --out STUDY_DIR"
        )
    data, problem = _page_data(folder)
    recorded = (data or {}).get("sessions")
    if isinstance(recorded, list) and recorded:
        dirs = [(folder / p) if not Path(p).is_absolute() else Path(p) for p in map(str, recorded)]
        missing = [str(d) for d in dirs if not (d / SESSION_FILE).is_file()]
        if missing:
            raise StudyError(
                f"the study in {folder} was built from sessions that are no longer there: {', '.join(missing[:5])}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                + "; put them back, or rebuild the study with emolab aggregate"
            )
        return [d.resolve() for d in dirs], data
    nested = folder / SESSIONS
    if nested.is_dir():
        dirs = _session_dirs_in(nested)
        if not dirs:
            raise StudyError(
                f"the study in {folder} has no respondents: {nested} holds no session folder "
                "(did every reaction of the batch fail? see batch.json)"
            )
        return [d.resolve() for d in dirs], data
    dirs = _session_dirs_in(folder)
    if dirs:
        return [d.resolve() for d in dirs], data
    if data is not None:
        raise StudyError(
            f"{folder / STUDY_FILE} was written by an older emolab and does not say where its sessions are; "
            f"rebuild it: emolab aggregate SESSIONS --out {folder}"
        )
    why = f" ({problem})" if problem else ""
    raise StudyError(
        f"{folder} is not an emolab study{why}: it has no {STUDY_FILE} naming its sessions, no {SESSIONS}/ folder "
        "and no session folders; give a folder written by emolab aggregate or emolab batch"
    )


@dataclass
class LoadedStudy:
    """A study's sessions and every number its report states."""

    folder: Path
    sessions: list[Session]
    data: dict[str, Any]  # study_numbers' data, with "moments"
    curves: FrameCurves
    bins: list[dict[str, np.ndarray]]  # each respondent's per-second bins
    page: dict[str, Any] | None = None
    name: str = ""
    ad_path: Path | None = None
    ad_note: str = ""
    scenes: list[Scene] | None = None
    scenes_from: str = ""
    #: Scene index → the study page's thumbnail of it (a JPEG data URI of the ad's frame).
    page_thumbs: dict[int, str] = field(default_factory=dict)

    @property
    def ad(self) -> dict[str, Any]:
        return self.data["ad"]

    @property
    def duration_ms(self) -> float:
        return float(self.data["ad"]["duration_ms"])

    def stack(self, series: str) -> np.ndarray:
        """Each respondent's value per second of ``series`` (an emotion, a group key or ``attention``)."""
        if series == "attention":
            return np.stack([b["attention"] for b in self.bins])
        k = SERIES_NAMES.index(series)
        return np.stack([b["mean"][:, k] for b in self.bins])


def load_study(folder: str | Path, attentive_only: bool | None = None) -> LoadedStudy:
    """Read the study in ``folder``: its sessions and the numbers its report states.

    Raises:
        StudyError: not a study, or a study without respondents.
        SessionError: a session of it is missing or damaged, or its sessions are of different ads.
    """
    folder = Path(folder)
    dirs, page = study_session_dirs(folder)
    sessions = [load_session(d) for d in dirs]
    bins = respondent_seconds(sessions)
    data, curves = study_numbers(sessions, attentive_only, bins=bins)
    data["moments"] = key_moments(curves, float(data["ad"]["duration_ms"]), data["reaction_delay_s"])
    thumbs = (page or {}).pop("_scene_thumbs", {})
    study = LoadedStudy(
        folder=folder, sessions=sessions, data=data, curves=curves, bins=bins, page=page, page_thumbs=thumbs
    )
    study.name = folder.resolve().name or str(folder)
    return study


def find_study_ad(study: LoadedStudy) -> tuple[Path | None, str]:
    """The study's ad file (checked by sha256), looked for where its sessions say and beside the study."""
    if study.ad_path is None and not study.ad_note:
        near = [study.folder, *[s.folder for s in study.sessions[:1]]]
        study.ad_path, study.ad_note = find_ad(study.sessions[0].meta["ad"], near=near)
    return study.ad_path, study.ad_note


def study_scenes(study: LoadedStudy) -> list[Scene] | None:
    """The ad's scenes as the study page lists them, else cut from the ad when it is found.

    The page's scenes are the ones the study report showed; reading them back spares decoding
    the ad again.
    """
    if study.scenes is not None or study.scenes_from:
        return study.scenes
    listed = ((study.page or {}).get("scenes") or {}).get("list") or []
    if listed and (study.page or {}).get("ad", {}).get("sha256") == study.ad["sha256"]:
        try:
            study.scenes = [Scene(int(s["index"]), float(s["start_ms"]), float(s["end_ms"])) for s in listed]
            study.scenes_from = PAGE_SCENES
            return study.scenes
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("ignoring the scenes listed in %s: %s", study.folder / STUDY_FILE, exc)
    path, note = find_study_ad(study)
    if path is None:
        study.scenes_from = note
        return None
    try:
        study.scenes = list(detect_scenes(path).scenes)
        study.scenes_from = f"cut from {path.name}"
    except EmolabError as exc:
        study.scenes_from = str(exc)
    return study.scenes
