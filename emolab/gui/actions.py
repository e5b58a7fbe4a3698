"""What the window's controls do, as plain functions: no dialogs, testable on their own.

Dialogs and widgets only collect the parameters (asking); these functions do the work
(doing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from emolab.capture.sources import VIDEO_SUFFIXES
from emolab.errors import EmolabError
from emolab.settings import Settings

log = logging.getLogger(__name__)

MAX_RECENT = 8


@dataclass(frozen=True)
class ScreeningPlan:
    """What the marketer chose before pressing Start."""

    ad: str
    camera: str
    respondent: str
    consent: bool
    calibration_s: float = 0.0


def plan_problems(plan: ScreeningPlan) -> list[str]:
    """Why ``plan`` cannot start (empty when it can), as messages for the marketer."""
    problems = []
    if not plan.ad:
        problems.append(
            QCoreApplication.translate(
                "actions", "Open the ad to show (File ▸ Open ad, or drop a video on the window)."
            )
        )
    elif not Path(plan.ad).is_file():
        problems.append(
            QCoreApplication.translate("actions", "The ad file {0} does not exist; open it again.").format(plan.ad)
        )
    if not plan.camera:
        problems.append(QCoreApplication.translate("actions", "Pick a camera, or a video file standing in for one."))
    elif not plan.camera.isdigit() and not Path(plan.camera).is_file():
        problems.append(
            QCoreApplication.translate(
                "actions", "The camera stand-in {0} does not exist; pick the file again."
            ).format(plan.camera)
        )
    if not plan.respondent.strip():
        problems.append(QCoreApplication.translate("actions", "Enter the respondent id (a pseudonym, not a name)."))
    if not plan.consent:
        problems.append(
            QCoreApplication.translate(
                "actions", "Tick the consent box: the respondent must agree before filming starts."
            )
        )
    return problems


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def add_recent(recent: list[str], path: str | Path, limit: int = MAX_RECENT) -> list[str]:
    """``recent`` with ``path`` moved to the front, without duplicates or vanished files."""
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent if p != path and Path(p).is_file()]
    return items[:limit]


def camera_choices() -> list[tuple[str, str]]:
    """``(label, spec)`` for each camera the system lists (may be empty)."""
    from emolab.capture import list_cameras

    try:
        return [(QCoreApplication.translate("actions", "Camera {0}").format(i), str(i)) for i in list_cameras()]
    except Exception as exc:  # noqa: BLE001 - a broken driver must not stop the window opening
        log.warning("could not list cameras: %s", exc)
        return []


def model_choices(settings: Settings) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Usable detectors and classifiers as ``(label, spec)``, ``auto`` first, and errors.

    Usable: installed, and runnable here (the installed app leaves out the models that need PyTorch).

    The errors say why a setting selects no model (empty when both select one).

    This is the inventory ``emolab models`` prints, so the window offers the same models.
    """
    from emolab.inventory import model_inventory, selection_errors

    inv = model_inventory(settings)
    out: dict[str, list[tuple[str, str]]] = {}
    for key in ("detector", "classifier"):
        selected = inv["selected"][key].get("name") or QCoreApplication.translate("actions", "none installed")
        choices = [(QCoreApplication.translate("actions", "auto ({0})").format(selected), "auto")]
        choices += [(f"{m['name']} ({m['backend']})", m["name"]) for m in inv[key + "s"] if m["available"]]
        out[key] = choices
    return out, list(selection_errors(inv).values())


def session_dirs_in(folder: str | Path) -> list[Path]:
    """Session folders (with a ``session.json``) in ``folder`` or directly below it."""
    folder = Path(folder)
    if (folder / "session.json").is_file():
        return [folder]
    return sorted(p for p in folder.iterdir() if (p / "session.json").is_file()) if folder.is_dir() else []


def build_session_report(session_dir: str | Path) -> Path:
    """Write the session's ``report.html`` and return its path.

    Raises:
        EmolabError: when the session cannot be read.
    """
    from emolab.report import build_session_report as build

    return Path(build(Path(session_dir)))


def build_study_report(folder: str | Path) -> Path:
    """Write a study report over every session in ``folder`` (into ``folder``) and return its path.

    Raises:
        EmolabError: when ``folder`` holds no session, or a session cannot be read.
    """
    sessions = session_dirs_in(folder)
    if not sessions:
        msg = QCoreApplication.translate(
            "actions", "{0} holds no emolab session folders; choose the folder your sessions are saved in."
        )
        raise EmolabError(msg.format(folder))
    from emolab.report import build_study_report as build

    return Path(build(sessions, Path(folder)))


# ---- comparing studies and the norms library -----------------------------------------------------
def default_compare_folder(folders: list[str | Path]) -> Path:
    """Where a comparison goes unless the marketer picks a folder: beside the first study."""
    first = Path(folders[0]).resolve()
    names = "-vs-".join(Path(f).resolve().name for f in folders[:3]) + ("-etc" if len(folders) > 3 else "")
    return first.parent / f"compare-{names}"


def compare_studies(
    folders: list[str | Path], out: str | Path, category: str | None = None, db: str | Path | None = None
) -> Path:
    """Compare the studies in ``folders`` (the first is the baseline) into ``out``; return ``compare.html``.

    Raises:
        EmolabError: a folder is not a study, a variant has one respondent, a session is damaged.
    """
    from emolab.compare.report import build_compare_report

    if len(folders) < 2:
        raise EmolabError(
            QCoreApplication.translate("actions", "Choose at least two study folders to compare (the baseline first).")
        )
    return Path(build_compare_report([Path(f) for f in folders], Path(out), db=db, category=category or None))


def norms_records(db: str | Path | None = None) -> list:
    """Every study in the norms library (empty when there is none yet).

    Raises:
        NormsError: the library is damaged or of a newer emolab.
    """
    from emolab.norms.library import open_norms

    with open_norms(db) as norms:
        return norms.records()


def norms_add(folder: str | Path, category: str = "", brand: str = "", db: str | Path | None = None) -> str:
    """Add the study in ``folder`` to the norms; return what happened, in words.

    Raises:
        EmolabError: not a study, a damaged session or library.
    """
    from emolab.norms.library import open_norms
    from emolab.norms.studies import study_record

    record = study_record(folder, category, brand)
    with open_norms(db, write=True) as norms:
        added, duplicates = norms.add([record])
    if duplicates:
        msg = QCoreApplication.translate("actions", "{0} is already in the norms (#{1}); nothing added.")
        return msg.format(record.study, duplicates[0].id)
    return QCoreApplication.translate("actions", "Added {0} to the norms as #{1}.").format(record.study, added[0].id)


def norms_remove(record_id: int, db: str | Path | None = None) -> str:
    """Remove a study from the norms by its id; return what happened, in words."""
    from emolab.norms.library import open_norms

    with open_norms(db, write=True) as norms:
        removed = norms.remove(int(record_id))
    return QCoreApplication.translate("actions", "Removed {0} (#{1}) from the norms.").format(removed.study, removed.id)


def norms_export(path: str | Path, db: str | Path | None = None) -> str:
    """Write the norms to a CSV file; return what happened, in words."""
    from emolab.norms.studies import export_csv

    records = norms_records(db)
    export_csv(records, Path(path))
    return QCoreApplication.translate("actions", "Exported {0} studies to {1}.").format(len(records), path)


def norms_import(path: str | Path, db: str | Path | None = None) -> str:
    """Add the studies of a norms CSV (validated whole first); return what happened, in words."""
    from emolab.norms.library import open_norms
    from emolab.norms.studies import read_csv

    records = read_csv(Path(path))
    with open_norms(db, write=True) as norms:
        added, duplicates = norms.add(records)
    msg = QCoreApplication.translate("actions", "Imported {0} studies from {1}; {2} were already there.")
    return msg.format(len(added), Path(path).name, len(duplicates))
