"""The invites of a served study and what happened to each, in ``STUDY_DIR/.serve/serve.db``.

SQLite: ``emolab serve invite`` adds invites while the server runs (another process), and the
server's analysis thread and its web handlers update them; every change is one short
transaction. An invite's id (``inv-0001``) becomes its respondent id and session folder name;
its token, random and secret, is the only thing a respondent's link carries.

Statuses: ``invited`` (link not used yet), ``started`` (consent given, recording or
uploading), ``uploaded`` (recording accepted, waiting for or under analysis), ``analysed``
(a session is in the study) and ``failed`` (with the reason). A link whose recording was
accepted is used up; one past its expiry time that was never used up is expired.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolab.errors import ServeError

SERVE_DIR = ".serve"
DB_FILE = "serve.db"
#: Links stay valid this long unless ``--expires-days`` says otherwise.
DEFAULT_EXPIRES_DAYS = 14.0
INVITED, STARTED, UPLOADED, ANALYSED, FAILED = "invited", "started", "uploaded", "analysed", "failed"
STATUSES = (INVITED, STARTED, UPLOADED, ANALYSED, FAILED)
#: Statuses of a link that can no longer take a recording.
USED = (UPLOADED, ANALYSED, FAILED)
#: A token as emolab makes them (``secrets.token_urlsafe(24)``); anything else is refused unread.
TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
TOKEN_LENGTH = 32

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invites (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    token TEXT UNIQUE NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    opened_at REAL, started_at REAL, uploaded_at REAL, finished_at REAL,
    mime TEXT NOT NULL DEFAULT '',
    received INTEGER NOT NULL DEFAULT 0,
    resumes INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    recording TEXT NOT NULL DEFAULT '',
    upload_bytes INTEGER,
    adclock TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    warnings TEXT NOT NULL DEFAULT '[]',
    seconds REAL
);
"""


@dataclass(frozen=True)
class Invite:
    """One respondent's link and what happened to it."""

    seq: int
    id: str
    token: str
    created_at: float
    expires_at: float
    status: str
    reason: str
    opened_at: float | None
    started_at: float | None
    uploaded_at: float | None
    finished_at: float | None
    mime: str
    received: int
    resumes: int
    rejected: int
    recording: str
    upload_bytes: int | None
    adclock: str
    session: str
    warnings: str
    seconds: float | None

    @property
    def used(self) -> bool:
        return self.status in USED

    def expired(self, now: float | None = None) -> bool:
        return not self.used and (time.time() if now is None else now) >= self.expires_at

    def public(self, now: float | None = None) -> dict[str, Any]:
        """What the dashboard shows (no token, no clock)."""
        return {
            "id": self.id,
            "status": "expired" if self.expired(now) else self.status,
            "reason": self.reason,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "opened_at": self.opened_at,
            "started_at": self.started_at,
            "uploaded_at": self.uploaded_at,
            "finished_at": self.finished_at,
            "received_bytes": self.received,
            "resumes": self.resumes,
            "rejected_uploads": self.rejected,
            "upload_bytes": self.upload_bytes,
            "session": self.session or None,
            "warnings": json.loads(self.warnings or "[]"),
            "seconds": self.seconds,
        }


def valid_token(token: str) -> bool:
    """Whether ``token`` could be one of ours (checked before any lookup)."""
    return len(token) == TOKEN_LENGTH and set(token) <= TOKEN_CHARS


class InviteStore:
    """``STUDY_DIR/.serve/serve.db``: the invites and the served study's ad."""

    def __init__(self, study: Path) -> None:
        self.study = Path(study)
        self.folder = self.study / SERVE_DIR
        self.path = self.folder / DB_FILE
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30.0)
            try:
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
                db.executescript(_SCHEMA)
            finally:
                db.close()
        except (OSError, sqlite3.Error) as exc:
            raise ServeError(f"cannot open the served study's state {self.path}: {exc}; check the folder") from exc

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # --- the study's ad and settings ----------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def claim_ad(self, sha256: str, file: str) -> None:
        """Record the study's ad, or refuse another one (a study is of one ad).

        Raises:
            ServeError: the study was served with another ad.
        """
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'ad'").fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('ad', ?)", (json.dumps({"sha256": sha256, "file": file}),)
                )
                return
        known = json.loads(row["value"])
        if known.get("sha256") != sha256:
            raise ServeError(
                f"{self.study} is a study of another ad ({known.get('file')}, "
                f"sha256 {str(known.get('sha256'))[:12]}…), "
                f"not of {file}; a study is of one ad: choose another --study folder"
            )

    # --- invites ------------------------------------------------------------------------

    def add(self, count: int, expires_days: float = DEFAULT_EXPIRES_DAYS) -> list[Invite]:
        """``count`` new invites, each with a fresh random token, valid for ``expires_days``."""
        if count < 0 or count > 100_000:
            raise ServeError(f"--count must be between 0 and 100000, got {count}")
        if not 0 < expires_days <= 3650:
            raise ServeError(f"--expires-days must be more than 0 and at most 3650, got {expires_days:g}")
        now = time.time()
        ids = []
        with self._db() as db:
            for _ in range(count):
                token = secrets.token_urlsafe(24)
                cur = db.execute(
                    "INSERT INTO invites (id, token, created_at, expires_at, status) VALUES (?, ?, ?, ?, ?)",
                    (f"pending-{token}", token, now, now + expires_days * 86400.0, INVITED),
                )
                seq = int(cur.lastrowid or 0)
                db.execute("UPDATE invites SET id = ? WHERE seq = ?", (f"inv-{seq:04d}", seq))
                ids.append(seq)
            rows = [db.execute("SELECT * FROM invites WHERE seq = ?", (s,)).fetchone() for s in ids]
        return [Invite(**dict(r)) for r in rows]

    def by_token(self, token: str) -> Invite | None:
        if not valid_token(token):
            return None
        with self._db() as db:
            row = db.execute("SELECT * FROM invites WHERE token = ?", (token,)).fetchone()
        return None if row is None else Invite(**dict(row))

    def get(self, invite_id: str) -> Invite | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM invites WHERE id = ?", (invite_id,)).fetchone()
        return None if row is None else Invite(**dict(row))

    def all(self) -> list[Invite]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM invites ORDER BY seq").fetchall()
        return [Invite(**dict(r)) for r in rows]

    def open_invites(self) -> list[Invite]:
        """Links not used up and not expired."""
        now = time.time()
        return [i for i in self.all() if not i.used and not i.expired(now)]

    def update(self, invite_id: str, **fields: Any) -> None:
        """Set ``fields`` of one invite (column names are this module's, never a client's)."""
        unknown = set(fields) - set(Invite.__dataclass_fields__)
        if unknown or not fields:
            raise ValueError(f"unknown invite fields {sorted(unknown)}")
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self._db() as db:
            db.execute(f"UPDATE invites SET {columns} WHERE id = ?", (*fields.values(), invite_id))  # noqa: S608

    def increment(self, invite_id: str, field: str) -> None:
        if field not in ("resumes", "rejected"):
            raise ValueError(f"cannot count {field}")
        with self._db() as db:
            db.execute(f"UPDATE invites SET {field} = {field} + 1 WHERE id = ?", (invite_id,))  # noqa: S608

    def counts(self) -> dict[str, int]:
        """How many links are invited / started / uploaded / analysed / failed / expired, and in all."""
        now = time.time()
        counts = dict.fromkeys((*STATUSES, "expired"), 0)
        invites = self.all()
        for invite in invites:
            counts["expired" if invite.expired(now) else invite.status] += 1
        counts["total"] = len(invites)
        return counts
