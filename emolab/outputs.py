"""Where emolab writes: check a folder can be written before any work, and say what to do.

A command that would load models or decode video for a minute and then fail to save its
result checks first (:func:`check_writable`); writes that fail later (a disk filling up) are
turned into :class:`~emolab.errors.OutputError` or :class:`~emolab.errors.SessionError` where
they happen.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from emolab.errors import OutputError

#: Why, in words, for the errors a write usually meets (others: the system's own text).
_REASONS = {
    errno.EROFS: "it is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is used up",
    errno.ENOENT: "no folder can be made there",
    errno.ENOTDIR: "part of the path is a file, not a folder",
}


def _existing_ancestor(folder: Path) -> Path:
    """``folder`` itself, or the nearest folder above it that exists (where it would be created)."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_writable(folder: str | Path, what: str, fix: str) -> Path:
    """Raise :class:`OutputError` unless files can be written into ``folder``.

    ``folder`` need not exist yet: then the nearest existing folder above it must let emolab
    create it. Nothing is left behind: the check makes an empty folder and removes it.

    Args:
        folder: where the command will write.
        what: what goes there, for the message ("the session", "the study").
        fix: what to do instead, for the message ("choose another folder with --out").

    Returns:
        ``folder`` as a Path.
    """
    folder = Path(folder)
    probe = _existing_ancestor(folder)
    try:
        if not probe.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(probe))
        os.rmdir(tempfile.mkdtemp(prefix=".emolab-write-check-", dir=probe))
    except OSError as exc:
        raise OutputError(write_failure(folder, what, fix, exc)) from exc
    return folder


def write_reason(exc: OSError) -> str:
    """Why a write failed, in words ("the disk is full")."""
    return _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def write_failure(path: str | Path, what: str, fix: str, exc: OSError) -> str:
    """The message for ``exc`` raised while writing ``what`` to ``path``: the place, why, and ``fix``."""
    return f"cannot write {what} in {path}: {write_reason(exc)}; {fix}"
