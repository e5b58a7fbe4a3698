"""A batch's study folder on the driver's disk: its layout, ``batch.json``, and what may be reused.

Layout::

    STUDY_DIR/
      batch.json            what happened to every reaction (status, reason, seconds, session)
      study.html, study_*.csv   the study, as ``emolab aggregate`` builds it
      sessions/<respondent>/    one ordinary session folder per reaction
      .incomplete/<respondent>/ sessions being written; moved into sessions/ when finished

A session is moved into ``sessions/`` only once its worker has finished, so a killed batch
leaves nothing half-written there; whatever is left in ``.incomplete`` is removed by the next
run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emolab.adclock import RecordingClock
from emolab.batch.reactions import Reaction
from emolab.errors import BatchError, OutputError, SessionError
from emolab.media import AdInfo
from emolab.outputs import write_failure
from emolab.session.store import (
    SESSION_FILE,
    SUMMARY_FILE,
    TIMELINE_FILE,
    read_meta,
    rebuild_summary,
    write_json_atomic,
)
from emolab.settings import Settings

log = logging.getLogger(__name__)

RECORD_FILE = "batch.json"
SESSIONS = "sessions"
STAGING = ".incomplete"
LOCK_FILE = ".batch.lock"
RECORD_FORMAT = "emolab-batch"

#: Files emolab writes into a session folder; a folder holding anything else is never deleted.
SESSION_FILES = {SESSION_FILE, TIMELINE_FILE, SUMMARY_FILE, "report.html"}
#: Settings that change how fast or where, never the numbers: a change does not redo sessions.
RUNTIME_SETTINGS = {
    "models_dir",
    "sessions_dir",
    "model_threads",
    "trust_pickles",
    "detector",
    "classifier",
    "ray_object_store_mb",
}
#: Settings the summary and the reports read, never the analysis: a change re-summarises the
#: session from its timeline instead of analysing the video again.
REPORT_SETTINGS = {"reaction_delay_s", "emonps_k", "trace_min_s", "attentive_only"}
#: What identifies a model's numbers in its card (the weights' path differs between machines).
MODEL_KEYS = ("name", "backend", "file", "date", "labels", "input")


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def model_fingerprint(models: dict[str, Any]) -> dict[str, Any]:
    """The part of ``session.json``'s ``models`` that decides the numbers."""
    return _normal({role: {k: (models.get(role) or {}).get("card", {}).get(k) for k in MODEL_KEYS} for role in models})


def model_names(models: dict[str, Any]) -> str:
    """A model fingerprint in words, e.g. ``detector mtcnn, classifier emolab-fer-cnn``."""
    return ", ".join(f"{role} {m.get('name')}" for role, m in models.items())


def expected_models(settings: Settings) -> dict[str, Any]:
    """The fingerprint of the models ``settings`` select, without loading them.

    Raises:
        ModelError: a detector or classifier that does not exist or is not installed.
    """
    from emolab.classification import select_classifier_card
    from emolab.detection import select_detector_card

    det, _ = select_detector_card(settings.detector, settings)
    clf, _ = select_classifier_card(settings.classifier, settings)
    return model_fingerprint({"detector": {"card": det.to_dict()}, "classifier": {"card": clf.to_dict()}})


def analysis_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The settings that decide a session's numbers (absent keys read as today's defaults)."""
    defaults = Settings().to_dict()
    skip = RUNTIME_SETTINGS | REPORT_SETTINGS
    return _normal({k: values.get(k, v) for k, v in defaults.items() if k not in skip})


def report_settings(settings: Settings) -> dict[str, Any]:
    """The values of :data:`REPORT_SETTINGS` (they decide the summaries and the study)."""
    values = settings.to_dict()
    return _normal({k: values[k] for k in sorted(REPORT_SETTINGS)})


def resummarise(folder: Path, settings: Settings) -> list[str]:
    """Bring a reusable session's report settings up to ``settings``: record them, rebuild its summary.

    Returns the settings that changed (none: nothing was written). A session re-summarised
    is what a new analysis with ``settings`` would write, without analysing the video again.

    Raises:
        SessionError: the session's description or timeline cannot be read.
    """
    meta = read_meta(folder)
    recorded = meta.get("settings") or {}
    defaults = Settings().to_dict()
    wanted = report_settings(settings)
    changed = sorted(k for k, v in wanted.items() if _normal(recorded.get(k, defaults[k])) != v)
    if changed:
        meta["settings"] = {**recorded, **{k: wanted[k] for k in changed}}
        write_json_atomic(folder / SESSION_FILE, meta)
        rebuild_summary(folder)
    return changed


def reuse_problem(folder: Path, reaction: Reaction, ad: AdInfo, models: dict, settings: Settings) -> str | None:
    """Why the session in ``folder`` cannot stand for ``reaction`` (``None``: it can, skip the work).

    Raises:
        BatchError: the folder holds a session of another ad; a study is of one ad, and
            emolab will not delete another study's sessions.
    """
    if not folder.exists():
        return "new"
    try:
        meta = read_meta(folder)
    except SessionError as exc:
        return f"damaged session ({exc})"
    if meta["ad"]["sha256"] != ad.sha256:
        raise BatchError(
            f"{folder} is a session of another ad ({meta['ad']['file']}, sha256 {meta['ad']['sha256'][:12]}…), "
            f"not of {ad.file} (sha256 {ad.sha256[:12]}…); a study is of one ad: choose another --out folder"
        )
    if meta.get("status") != "complete":
        return f"session status is {meta.get('status')!r}, not 'complete'"
    for name in (TIMELINE_FILE, SUMMARY_FILE):
        if not (folder / name).is_file():
            return f"{name} is missing"
    try:
        json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{SUMMARY_FILE} is damaged"
    source = meta.get("source") or {}
    if meta.get("respondent") != reaction.respondent:
        return f"respondent was {meta.get('respondent')!r}"
    if source.get("file") != reaction.file.name:
        return f"reaction file was {source.get('file')!r}"
    if float(source.get("offset_s", 0.0)) != reaction.offset_s:
        return f"offset changed from {source.get('offset_s')} s to {reaction.offset_s} s"
    if source.get("adclock") != (RecordingClock(reaction.adclock).to_list() if reaction.adclock else None):
        return "ad clock changed"
    if model_fingerprint(meta.get("models") or {}) != models:
        return "models changed"
    if analysis_settings(meta.get("settings") or {}) != analysis_settings(settings.to_dict()):
        return "analysis settings changed"
    return None


def remove_session_folder(folder: Path, root: Path, dry_run: bool = False) -> None:
    """Delete ``folder`` if it is plainly an emolab session folder inside ``root``; otherwise refuse.

    With ``dry_run``, only check that it could be deleted.

    Raises:
        SessionError: the folder is outside ``root``, is a link, or holds files emolab did not write.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir() or not folder.resolve().is_relative_to(root.resolve()):
        raise SessionError(f"{folder} is not a session folder inside {root}; move it away and run the batch again")
    entries = list(folder.iterdir())
    foreign = [p.name for p in entries if not (p.is_file() and (p.name in SESSION_FILES or p.name.endswith(".tmp")))]
    if foreign:
        raise SessionError(
            f"{folder} must be redone but holds files emolab did not write ({', '.join(sorted(foreign)[:5])}); "
            "move them away or delete the folder yourself, then run the batch again"
        )
    if dry_run:
        return
    for p in entries:
        p.unlink()
    folder.rmdir()


def clear_staging(out: Path) -> None:
    """Remove what a killed batch left half-written in ``.incomplete``."""
    staging = out / STAGING
    if not staging.is_dir():
        return
    for folder in staging.iterdir():
        remove_session_folder(folder, staging)
    staging.rmdir()


def read_record(out: Path) -> dict[str, Any] | None:
    """The previous run's ``batch.json``, or ``None`` (none, or unreadable: sessions are the truth)."""
    path = out / RECORD_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def write_record(out: Path, record: dict[str, Any]) -> None:
    write_json_atomic(out / RECORD_FILE, record)


def inputs_fingerprint(folders: list[Path], extra: Any) -> str:
    """Changes whenever a session the study is built from changes (size or modification time)."""
    h = hashlib.sha256(json.dumps(extra, sort_keys=True, default=str).encode())
    for folder in folders:
        for name in (SESSION_FILE, TIMELINE_FILE, SUMMARY_FILE):
            st = (folder / name).stat()
            h.update(f"{folder.name}/{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


@contextlib.contextmanager
def study_lock(out: Path) -> Iterator[None]:
    """Hold ``STUDY_DIR`` for one batch at a time (two runs into one folder would redo each other's work).

    Raises:
        BatchError: another batch holds the folder.
        OutputError: the folder cannot be written.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fh = open(out / LOCK_FILE, "a+")
    except OSError as exc:
        raise OutputError(write_failure(out, "the study", "choose a writable folder with --out", exc)) from exc
    try:
        try:
            _lock(fh)
        except OSError as exc:
            raise BatchError(
                f"another emolab batch is writing into {out}; wait for it to finish or choose another --out folder"
            ) from exc
        yield
    finally:
        fh.close()  # closing releases the lock


def _lock(fh: Any) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def study_file_names() -> tuple[str, ...]:
    from emolab.report.study import CURVES_CSV, RESPONDENTS_CSV, STUDY_FILE

    return (STUDY_FILE, CURVES_CSV, RESPONDENTS_CSV)


def replace_dir(src: Path, dst: Path) -> None:
    """Move a finished session from ``.incomplete`` into ``sessions`` in one step."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
