"""Real unwritable places for tests: a read-only folder and a tiny disk, in a private mount namespace.

``chmod`` is not enough (root writes anyway), so a command runs under ``unshare --mount``:
there a folder is bind-mounted read-only, or a small tmpfs is mounted, and nothing changes
outside the namespace. As root ``unshare -m`` suffices; otherwise an unprivileged user
namespace (``unshare -r -m``) may allow it. A test skips, with the reason, only when neither
can mount.
"""

from __future__ import annotations

import functools
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest


@functools.cache
def _unshare_prefix() -> tuple[str, ...] | None:
    """``unshare`` options that let this process mount a tmpfs, or None."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s'
    for options in (("--mount",), ("--user", "--map-root-user", "--mount")):
        done = subprocess.run([unshare, *options, "sh", "-c", probe], capture_output=True, text=True)
        if done.returncode == 0:
            return (unshare, *options)
    return None


def need_mounts() -> tuple[str, ...]:
    """The ``unshare`` prefix, or skip the calling test saying why it cannot mount."""
    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip(
            "cannot mount a read-only folder or a tiny disk here: 'unshare --mount' is missing or not "
            "permitted (needs root, or unprivileged user namespaces)"
        )
    return prefix


def read_only(folder: Path, argv: list[str]) -> list[str]:
    """``argv`` run where ``folder`` (which exists) is mounted read-only."""
    f = shlex.quote(str(folder))
    script = f'mount --bind {f} {f} && mount -o remount,bind,ro {f} && exec "$@"'
    return [*need_mounts(), "sh", "-c", script, "sh", *argv]


def tiny_disk(folder: Path, size_kb: int, argv: list[str]) -> list[str]:
    """``argv`` run with a ``size_kb`` KiB tmpfs mounted on ``folder`` (which exists)."""
    f = shlex.quote(str(folder))
    script = f'mount -t tmpfs -o size={int(size_kb)}k tmpfs {f} && exec "$@"'
    return [*need_mounts(), "sh", "-c", script, "sh", *argv]
