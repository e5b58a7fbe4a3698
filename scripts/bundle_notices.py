"""THIRD_PARTY_NOTICES.txt for the app bundle, from what PyInstaller actually put in it.

pyinstaller.spec calls :func:`write_bundle_notices` with the Analysis' module and file lists:
every bundled file is traced to the Python distribution that installed it (its RECORD), and
the text is made by :mod:`emolab.notices` (distribution metadata and licence files, the model
cards of the staged models). Libraries copied from the build machine itself (not from a
Python package) are named with the system package they come from and its copyright file.
"""

from __future__ import annotations

import importlib.metadata as md
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from emolab.notices import write_notices


def _top(name: str) -> str:
    """The first part of a bundle path or module name (``numpy/core/x.so`` -> ``numpy``)."""
    first = name.replace("\\", "/").split("/")[0]
    for suffix in (".py", ".pyc"):
        if first.endswith(suffix):
            return first[: -len(suffix)]
    return first


def _owners() -> tuple[dict[str, str], dict[str, str]]:
    """Which distribution installed a file: by its exact path, and by its top-level name.

    Exact paths first: several distributions can share a top-level folder (PySide6_Essentials
    and PySide6_Addons both install into ``PySide6/``).
    """
    by_path: dict[str, str] = {}
    by_top: dict[str, str] = {}
    for dist in md.distributions():
        name = dist.metadata["Name"]
        for f in dist.files or []:
            path = str(f).replace("\\", "/")
            top = _top(path)
            if top and not top.endswith((".dist-info", ".egg-info", ".data")) and top != "..":
                by_path.setdefault(path, name)
                by_top.setdefault(top, name)
    return by_path, by_top


def _system_package(path: str) -> str | None:
    """The Debian package a file belongs to (``dpkg -S``), or None elsewhere."""
    if not shutil.which("dpkg"):
        return None
    done = subprocess.run(["dpkg", "-S", str(Path(path).resolve())], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        done = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=False)
    if done.returncode != 0 or ":" not in done.stdout:
        return None
    return done.stdout.split(":", 1)[0].strip()


def _system_libraries(files: list[tuple[str, str]]) -> str:
    """The notice of libraries copied from the system, grouped by package, with copyright files."""
    by_package: dict[str, list[str]] = {}
    for dest, src in files:
        by_package.setdefault(_system_package(src) or "", []).append(Path(dest).name)
    parts = []
    for package, names in sorted(by_package.items()):
        if not package:
            parts.append("Copied from the build machine (no package record): " + ", ".join(sorted(names)))
            continue
        text = f"{package} (Debian package): {', '.join(sorted(names))}"
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            body = copyright_file.read_text(encoding="utf-8", errors="replace").strip()
            text += f"\n\n--- {copyright_file}\n\n{body}"
        parts.append(text)
    return "\n\n".join(parts)


def write_bundle_notices(
    path: Path, modules: Iterable[str], files: Iterable[tuple[str, str]], models_dir: Path, demo_photo: bool
) -> tuple[Path, list[str]]:
    """Write the bundle's notices; returns the path and the distributions it names.

    Args:
        path: the file to write.
        modules: names of the bundled Python modules (``a.pure``).
        files: ``(bundle path, source path)`` of every bundled binary and data file.
        models_dir: the staged models the bundle ships.
        demo_photo: whether the bundle carries the demo's astronaut photograph.
    """
    by_path, by_top = _owners()
    python_home = Path(sys.base_prefix).resolve()
    dists: set[str] = set()
    system: list[tuple[str, str]] = []
    for module in modules:
        top = _top(module.split(".")[0])
        if top in by_top:
            dists.add(by_top[top])
    for dest, src in files:
        dest = dest.replace("\\", "/")
        top = _top(dest)
        if dest in by_path:
            dists.add(by_path[dest])
        elif top in by_top:
            dists.add(by_top[top])
        elif "/" not in dest.replace("\\", "/") and not Path(src).resolve().is_relative_to(python_home):
            if dest.endswith((".so", ".dll", ".dylib")) or ".so." in dest:
                system.append((dest, src))
    dists.discard("emolab")
    dists.add("pyinstaller")  # its bootloader starts every bundle (GPL-2.0 with an exception for bundled apps)
    names = sorted(dists, key=str.lower)
    write_notices(
        path,
        names,
        models_dir,
        scope="the app bundle",
        python=True,
        demo_photo=demo_photo,
        other_libraries=_system_libraries(system),
    )
    return path, names
