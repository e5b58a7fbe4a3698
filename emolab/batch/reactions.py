"""The respondents of a panel: a folder of reaction videos, or a manifest CSV naming them."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from emolab.capture.sources import VIDEO_SUFFIXES
from emolab.errors import BatchError
from emolab.session.store import safe_name

MANIFEST_COLUMNS = ("file", "respondent", "offset_s")


@dataclass(frozen=True)
class Reaction:
    """One respondent's recording and how it lines up with the ad."""

    file: Path
    respondent: str
    offset_s: float = 0.0
    #: ``[recording_ms, ad_ms]`` pairs a browser recorded (``emolab serve``); replaces the offset.
    adclock: tuple[tuple[float, float], ...] | None = None

    @property
    def folder(self) -> str:
        """The session folder's name under ``STUDY_DIR/sessions``."""
        return safe_name(self.respondent)


def read_reactions(source: str | Path, ad: str | Path | None = None) -> list[Reaction]:
    """The reactions ``source`` names: a folder (one respondent per video, id = file stem) or a manifest CSV.

    The ad itself is skipped when it sits in the folder.

    Raises:
        BatchError: a missing source, an empty folder, a malformed manifest, or two reactions
            whose respondent ids (or session folder names) collide.
    """
    source = Path(source)
    if source.is_dir():
        reactions = _from_folder(source, Path(ad).resolve() if ad else None)
    elif source.is_file():
        reactions = _from_manifest(source)
    else:
        raise BatchError(f"reactions {source} do not exist; give a folder of reaction videos or a manifest CSV")
    _check_unique(reactions, source)
    return reactions


def _from_folder(folder: Path, ad: Path | None) -> list[Reaction]:
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES and p.resolve() != ad
    )
    if not files:
        raise BatchError(
            f"{folder} holds no reaction videos (files ending {', '.join(sorted(VIDEO_SUFFIXES))}); "
            "put one video per respondent there, or give a manifest CSV"
        )
    return [Reaction(file=p, respondent=p.stem) for p in files]


def _from_manifest(path: Path) -> list[Reaction]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            if "file" not in header:
                raise BatchError(
                    f"manifest {path} has no 'file' column (its header is {','.join(header) or 'empty'}); "
                    f"the header must be {','.join(MANIFEST_COLUMNS)}"
                )
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BatchError(f"cannot read manifest {path}: {exc}; save it as a UTF-8 CSV") from exc
    reactions = []
    for line, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        if not row.get("file"):
            raise BatchError(f"manifest {path}, line {line}: the 'file' column is empty")
        file = Path(row["file"]).expanduser()
        if not file.is_absolute():
            file = path.parent / file  # relative to the manifest, not to where emolab runs
        offset_text = row.get("offset_s") or "0"
        try:
            offset = float(offset_text)
        except ValueError:
            offset = math.nan
        if not math.isfinite(offset):
            raise BatchError(
                f"manifest {path}, line {line}: offset_s {offset_text!r} is not a number of seconds "
                "(seconds the recording started before the ad, e.g. 2.5)"
            )
        reactions.append(Reaction(file=file, respondent=row.get("respondent") or file.stem, offset_s=offset))
    if not reactions:
        raise BatchError(f"manifest {path} lists no reactions; add one line per respondent below its header")
    return reactions


def _check_unique(reactions: list[Reaction], source: Path) -> None:
    by_folder: dict[str, Reaction] = {}
    for r in reactions:
        other = by_folder.get(r.folder)
        if other is None:
            by_folder[r.folder] = r
            continue
        same = "the same respondent id" if other.respondent == r.respondent else "ids that make the same folder name"
        raise BatchError(
            f"{source}: {other.file.name} ({other.respondent!r}) and {r.file.name} ({r.respondent!r}) have {same}; "
            "give every respondent a distinct id (rename a file, or set the 'respondent' column of a manifest)"
        )
