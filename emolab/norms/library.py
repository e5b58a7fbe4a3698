"""The norms library: one SQLite file keeping the KPIs of every study a team has run.

- **One file**, by default ``norms.sqlite`` in the user's data folder (see
  :func:`default_norms_path`; ``EMOLAB_NORMS_DB`` or ``--db`` choose another).
- **Versioned**: ``PRAGMA user_version`` holds :data:`SCHEMA_VERSION` and ``PRAGMA
  application_id`` marks the file as emolab's. A file of a newer schema, of another program or
  a damaged one is refused before anything is written to it.
- **Safe with several writers**: write-ahead logging (readers never block the writer) and
  every change in one ``BEGIN IMMEDIATE`` transaction, waiting up to :data:`BUSY_TIMEOUT_S`
  for another process's transaction to end. Duplicates are refused by a unique key on the
  ad's sha256 and the study's fingerprint, so two processes adding the same study at once
  store it once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from emolab.errors import NormsError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: ``PRAGMA application_id``: "emlb", so ``file`` and tools can tell the file is emolab's.
APPLICATION_ID = 0x656D6C62
BUSY_TIMEOUT_S = 30.0
FILE_NAME = "norms.sqlite"
ENV_VAR = "EMOLAB_NORMS_DB"
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL DEFAULT '',
    brand TEXT NOT NULL DEFAULT '',
    study TEXT NOT NULL,
    ad_file TEXT NOT NULL,
    ad_sha256 TEXT NOT NULL,
    ad_duration_s REAL NOT NULL,
    fingerprint TEXT NOT NULL,
    respondents INTEGER NOT NULL,
    usable INTEGER NOT NULL,
    eei REAL,
    emonps REAL,
    emonps_k REAL NOT NULL,
    attention REAL,
    peak_positive REAL,
    peak_negative REAL,
    attentive_only INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    emolab_version TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    UNIQUE (ad_sha256, fingerprint)
);
CREATE INDEX studies_category ON studies (category);
"""


@dataclass(frozen=True)
class NormRecord:
    """One study in the norms: what identifies it, how it was measured, and its KPIs."""

    category: str
    brand: str
    study: str
    ad_file: str
    ad_sha256: str
    ad_duration_s: float
    fingerprint: str
    respondents: int
    usable: int
    eei: float | None
    emonps: float | None
    emonps_k: float
    attention: float | None
    peak_positive: float | None
    peak_negative: float | None
    attentive_only: bool
    added_at: str
    emolab_version: str
    origin: str = ""
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> tuple[str, str]:
        """What makes a study the same study: its ad and its respondents' sessions."""
        return (self.ad_sha256, self.fingerprint)


RECORD_FIELDS = tuple(f.name for f in fields(NormRecord))
_INSERT_FIELDS = tuple(f for f in RECORD_FIELDS if f != "id")


def user_data_dir() -> Path:
    """The user's data folder for emolab (XDG on Linux, Application Support on macOS, AppData on Windows)."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "emolab"


def default_norms_path() -> Path:
    """``EMOLAB_NORMS_DB`` when set, else ``norms.sqlite`` in :func:`user_data_dir`."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else user_data_dir() / FILE_NAME


def _refuse(path: Path, why: str) -> NormsError:
    return NormsError(f"{path} {why}")


class Norms:
    """An open norms library. Use :func:`open_norms`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None) -> None:
        self.path = path
        self._conn = conn

    def __enter__(self) -> Norms:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def exists(self) -> bool:
        return self._conn is not None

    def records(self, category: str | None = None) -> list[NormRecord]:
        """Every study (of ``category`` when given), oldest first."""
        if self._conn is None:
            return []
        sql = f"SELECT {', '.join(RECORD_FIELDS)} FROM studies"
        args: tuple = ()
        if category is not None:
            sql += " WHERE category = ?"
            args = (category,)
        with self._errors("read"):
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_record(r) for r in rows]

    def find(self, ad_sha256: str, fingerprint: str) -> NormRecord | None:
        """The study with this ad and fingerprint, if the library holds it."""
        if self._conn is None:
            return None
        with self._errors("read"):
            row = self._conn.execute(
                f"SELECT {', '.join(RECORD_FIELDS)} FROM studies WHERE ad_sha256 = ? AND fingerprint = ?",
                (ad_sha256, fingerprint),
            ).fetchone()
        return _record(row) if row else None

    def add(self, records: list[NormRecord]) -> tuple[list[NormRecord], list[NormRecord]]:
        """Add ``records`` in one transaction; those already there (same ad and fingerprint) are skipped.

        Returns:
            (added, with their new ids; duplicates, as the library holds them).
        """
        conn = self._writable()
        added, duplicates = [], []
        with self._errors("write to"), self._transaction(conn):
            for rec in records:
                row = conn.execute(
                    f"SELECT {', '.join(RECORD_FIELDS)} FROM studies WHERE ad_sha256 = ? AND fingerprint = ?", rec.key
                ).fetchone()
                if row is not None:
                    duplicates.append(_record(row))
                    continue
                values = tuple(_to_sql(getattr(rec, f)) for f in _INSERT_FIELDS)
                columns, marks = ", ".join(_INSERT_FIELDS), ", ".join("?" * len(_INSERT_FIELDS))
                cur = conn.execute(f"INSERT INTO studies ({columns}) VALUES ({marks})", values)
                added.append(NormRecord(**{**rec.to_dict(), "id": cur.lastrowid}))
        return added, duplicates

    def remove(self, record_id: int) -> NormRecord:
        """Remove the study ``record_id`` and return what it was.

        Raises:
            NormsError: no study has that id.
        """
        conn = self._writable()
        with self._errors("write to"), self._transaction(conn):
            row = conn.execute(f"SELECT {', '.join(RECORD_FIELDS)} FROM studies WHERE id = ?", (record_id,)).fetchone()
            if row is None:
                raise NormsError(
                    f"the norms library {self.path} holds no study with id {record_id}; "
                    "'emolab norms list' shows the ids"
                )
            conn.execute("DELETE FROM studies WHERE id = ?", (record_id,))
        return _record(row)

    def _writable(self) -> sqlite3.Connection:
        if self._conn is None:
            raise NormsError(f"the norms library {self.path} was opened for reading only")
        return self._conn

    @contextlib.contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no other writer interleaves
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def _errors(self, verb: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise NormsError(
                    f"the norms library {self.path} stayed locked by another emolab for {BUSY_TIMEOUT_S:.0f} s; "
                    "try again when it has finished"
                ) from exc
            raise NormsError(f"cannot {verb} the norms library {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise NormsError(
                f"cannot {verb} the norms library {self.path}: {exc}; restore it from a backup or an export"
            ) from exc


def _to_sql(v: Any) -> Any:
    return int(v) if isinstance(v, bool) else v


def _record(row: tuple) -> NormRecord:
    values = dict(zip(RECORD_FIELDS, row))
    values["attentive_only"] = bool(values["attentive_only"])
    return NormRecord(**values)


def open_norms(path: str | Path | None = None, write: bool = False) -> Norms:
    """Open the library at ``path`` (default :func:`default_norms_path`).

    Reading a library that does not exist yet gives an empty one and creates nothing;
    ``write`` creates it (and its folder).

    Raises:
        NormsError: the file is not an emolab norms library, is damaged, is of a newer
            schema, or cannot be opened. Nothing is written to it.
    """
    path = Path(path) if path is not None else default_norms_path()
    if path.is_dir():
        raise _refuse(path, "is a folder; give the norms library's file (e.g. norms.sqlite)")
    fresh = not path.exists() or path.stat().st_size == 0
    if fresh and not write:
        return Norms(path, None)
    if not fresh:
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from exc
        if head != SQLITE_MAGIC:
            raise _refuse(
                path,
                "is not an emolab norms library (not an SQLite database: damaged, or another kind of file); "
                "restore it from a backup, or choose another file with --db",
            )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _refuse(path.parent, f"cannot be created for the norms library: {exc.strerror or exc}") from exc
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise _refuse(path, f"cannot be opened as the norms library: {exc}") from exc
    try:
        _check(conn, path, write)
    except BaseException:
        conn.close()
        raise
    return Norms(path, conn)


def _check(conn: sqlite3.Connection, path: Path, write: bool) -> None:
    """Check the file is an emolab library this version understands; create the schema in a new one."""
    try:
        # One read transaction, so one snapshot: another process may be creating the library at
        # this moment, and reading its version before that commit and its tables after would
        # make a half-seen library look like a foreign database.
        conn.execute("BEGIN")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"is damaged ({exc}); restore it from a backup or an export") from exc
    if version > SCHEMA_VERSION:
        raise _refuse(
            path,
            f"was written by a newer emolab (norms schema {version}; this emolab reads up to {SCHEMA_VERSION}); "
            "update emolab to use it",
        )
    empty = not tables and version == 0
    if not empty and (app != APPLICATION_ID or "studies" not in tables):
        raise _refuse(path, "is an SQLite database, but not an emolab norms library; choose another file with --db")
    if not empty:
        try:
            problem = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        if problem != "ok":
            raise _refuse(path, f"is damaged ({problem}); restore it from a backup or an export")
    if not write:
        return
    try:
        _use_wal(conn)
        if empty:
            conn.execute("BEGIN IMMEDIATE")
            # Another process may have created the schema while this one waited for the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                for statement in filter(str.strip, SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
            log.info("created the norms library %s", path)
    except sqlite3.OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise _refuse(path, f"cannot be written: {exc}") from exc


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the library in write-ahead-log mode (once; the file remembers it).

    Switching needs the file to itself, and SQLite does not wait for that by itself: when
    another process holds it (say, it is creating the library at this very moment), try again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked")
        time.sleep(0.05)
