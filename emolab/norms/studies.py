"""Studies into norms records, and norms records in and out of CSV files (to share between teams).

A study is identified by its ad (sha256) and its **fingerprint**: a hash of its respondents'
sessions (respondent id, start time and the exact bytes of each timeline), so the same study
added twice — from a copy of its folder, or imported from another team's export — is
recognised, while a study with one more respondent is a new one.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emolab import __version__
from emolab.compare.kpis import study_kpis
from emolab.compare.studies import LoadedStudy, load_study
from emolab.errors import NormsError
from emolab.norms.fingerprint import study_fingerprint
from emolab.norms.library import NormRecord
from emolab.report.html import write_atomic

#: The columns of a norms CSV, in order (``emolab norms export`` writes them, ``import`` expects them).
CSV_COLUMNS = (
    "id",
    "category",
    "brand",
    "study",
    "ad_file",
    "ad_sha256",
    "ad_duration_s",
    "fingerprint",
    "respondents",
    "usable",
    "eei",
    "emonps",
    "emonps_k",
    "attention",
    "peak_positive",
    "peak_negative",
    "attentive_only",
    "added_at",
    "emolab_version",
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: Range of each KPI: EEI and EmoNPS in points, attention a share, peaks mean probabilities.
RANGES = {
    "eei": (-100.0, 100.0),
    "emonps": (-100.0, 100.0),
    "attention": (0.0, 1.0),
    "peak_positive": (0.0, 1.0),
    "peak_negative": (0.0, 1.0),
    "emonps_k": (0.2, 1.0),
}


def record_of(study: LoadedStudy, category: str = "", brand: str = "", origin: str = "") -> NormRecord:
    """The norms record of a loaded study (its whole-ad KPIs)."""
    k = study_kpis(study.data)
    return NormRecord(
        category=category.strip(),
        brand=brand.strip(),
        study=study.folder.resolve().name,
        ad_file=str(study.ad["file"]),
        ad_sha256=str(study.ad["sha256"]),
        ad_duration_s=round(study.duration_ms / 1000.0, 3),
        fingerprint=study_fingerprint(study.sessions),
        respondents=k["respondents"],
        usable=k["usable"],
        eei=k["eei"],
        emonps=k["emonps"],
        emonps_k=float(study.data["emonps"]["k"]),
        attention=k["attention"],
        peak_positive=k["peak_positive"],
        peak_negative=k["peak_negative"],
        attentive_only=bool(study.data["attention"]["attentive_only"]["applied"]),
        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
        emolab_version=__version__,
        origin=origin or f"added from {study.folder.resolve()}",
    )


def study_record(
    folder: str | Path, category: str = "", brand: str = "", attentive_only: bool | None = None
) -> NormRecord:
    """Read the study in ``folder`` and make its norms record.

    Raises:
        StudyError: not a study, or one without respondents.
        SessionError: a damaged session.
    """
    return record_of(load_study(folder, attentive_only), category, brand)


# ---- CSV --------------------------------------------------------------------------------------
def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return f"{v:.10g}"
    return v


def export_csv(records: list[NormRecord], path: str | Path) -> Path:
    """Write ``records`` to ``path`` as CSV (through a temporary file)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        d = r.to_dict()
        writer.writerow([_cell(d[c]) for c in CSV_COLUMNS])
    path = Path(path)
    try:
        write_atomic(path, buf.getvalue())
    except Exception as exc:  # noqa: BLE001 - write_atomic's message is about reports
        raise NormsError(f"cannot write {path}: {exc}; choose another file") from exc
    return path


def _number(row: dict[str, str], col: str, line: int, path: Path, optional: bool = False) -> float | None:
    text = row[col].strip()
    if text == "" and optional:
        return None
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    low, high = RANGES.get(col, (-math.inf, math.inf))
    if not math.isfinite(v) or not low <= v <= high:
        bounds = f" between {low:g} and {high:g}" if col in RANGES else ""
        raise NormsError(f"{path} line {line}: {col} must be a number{bounds}, got {text[:40]!r}; nothing was imported")
    return v


def read_csv(path: str | Path) -> list[NormRecord]:
    """Read and validate a norms CSV; every row must be sound, or nothing is returned.

    Raises:
        NormsError: unreadable file, wrong columns, or a row with a wrong value (named by line and column).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NormsError(f"cannot read {path}: {exc}; give a CSV written by 'emolab norms export'") from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise NormsError(f"{path} is not a readable CSV file ({exc})") from exc
    if not rows:
        raise NormsError(f"{path} is empty; give a CSV written by 'emolab norms export'")
    header = [h.strip() for h in rows[0]]
    wanted = set(CSV_COLUMNS)
    missing = [c for c in CSV_COLUMNS if c not in header]
    extra = [c for c in header if c not in wanted]
    if missing or extra or len(header) != len(set(header)):
        parts = []
        if missing:
            many = len(missing) > 5
            parts.append(
                f"missing {len(missing)} of its {len(CSV_COLUMNS)} columns" if many else f"missing {', '.join(missing)}"
            )
        if extra:
            parts.append(f"unexpected {', '.join(extra)}")
        if len(header) != len(set(header)):
            parts.append("a column named twice")
        raise NormsError(
            f"{path} does not have the columns of a norms CSV ({'; '.join(parts)}); it needs exactly "
            f"{', '.join(CSV_COLUMNS)} (as 'emolab norms export' writes them); nothing was imported"
        )
    out = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise NormsError(
                f"{path} line {line} has {len(cells)} fields, expected {len(header)}; nothing was imported"
            )
        row = dict(zip(header, cells))
        for col in ("ad_sha256", "fingerprint"):
            if not _HEX64.match(row[col].strip()):
                raise NormsError(
                    f"{path} line {line}: {col} must be 64 hexadecimal digits (a sha256), got {row[col][:70]!r}; "
                    "nothing was imported"
                )
        for col in ("study", "ad_file"):
            if not row[col].strip():
                raise NormsError(f"{path} line {line}: {col} is empty; nothing was imported")
        counts = {}
        for col in ("respondents", "usable"):
            v = _number(row, col, line, path)
            if v is None or v != int(v) or v < 0:
                raise NormsError(f"{path} line {line}: {col} must be a whole number; nothing was imported")
            counts[col] = int(v)
        if counts["respondents"] < 1 or counts["usable"] > counts["respondents"]:
            raise NormsError(
                f"{path} line {line}: respondents must be at least 1 and usable at most respondents; "
                "nothing was imported"
            )
        duration = _number(row, "ad_duration_s", line, path)
        if duration is None or duration <= 0:
            raise NormsError(f"{path} line {line}: ad_duration_s must be a positive number; nothing was imported")
        flag = row["attentive_only"].strip()
        if flag not in ("0", "1"):
            raise NormsError(f"{path} line {line}: attentive_only must be 0 or 1, got {flag!r}; nothing was imported")
        out.append(
            NormRecord(
                category=row["category"].strip(),
                brand=row["brand"].strip(),
                study=row["study"].strip(),
                ad_file=row["ad_file"].strip(),
                ad_sha256=row["ad_sha256"].strip(),
                ad_duration_s=duration,
                fingerprint=row["fingerprint"].strip(),
                respondents=counts["respondents"],
                usable=counts["usable"],
                eei=_number(row, "eei", line, path, optional=True),
                emonps=_number(row, "emonps", line, path, optional=True),
                emonps_k=float(_number(row, "emonps_k", line, path) or 0.0),
                attention=_number(row, "attention", line, path, optional=True),
                peak_positive=_number(row, "peak_positive", line, path, optional=True),
                peak_negative=_number(row, "peak_negative", line, path, optional=True),
                attentive_only=flag == "1",
                added_at=row["added_at"].strip() or datetime.now(UTC).isoformat(timespec="seconds"),
                emolab_version=row["emolab_version"].strip() or "unknown",
                origin=f"imported from {path.name}",
            )
        )
    return out
