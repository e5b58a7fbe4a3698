"""Licences: emolab's own and the third-party notices of the packages and models it ships with.

The installed app carries ``THIRD_PARTY_NOTICES.txt``, written when it is built
(``pyinstaller.spec`` calls :func:`write_notices` with the distributions the bundle really
contains, the libraries it copied from the build machine and its staged model cards). The
About dialog shows that file; a developer install shows the same text made on the spot for
emolab's declared dependencies as installed.
"""

from __future__ import annotations

import importlib.metadata as md
import platform
import re
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

from emolab import __version__
from emolab.modelcards import discover_cards
from emolab.runtime import app_root

NOTICES_FILE = "THIRD_PARTY_NOTICES.txt"
LICENSE_NAME = "AGPL-3.0-or-later"
#: Files inside a distribution that hold licence texts (LICENSE, COPYING, NOTICE, ThirdPartyNotices...).
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|third[-_ ]?party[-_ ]?notices)", re.IGNORECASE)
#: A licence text larger than this is named, not copied (a few packages ship megabytes of notices).
_MAX_TEXT = 400_000
_RULE = "=" * 78

#: Qt and FFmpeg come inside the PySide6 wheels, whose metadata names the licence but ships no text.
QT_NOTICE = """\
Qt 6 (The Qt Company Ltd and contributors), the GUI toolkit PySide6 wraps, is used under the
GNU Lesser General Public License v3 (LGPL-3.0-only). FFmpeg (the FFmpeg developers), which
Qt Multimedia plays videos with and which the PySide6 wheels include, is used under the GNU
Lesser General Public License v2.1 or later. Both are separate shared libraries in the app's
folder (_internal/PySide6/Qt/lib and plugins): you may replace them with your own builds of
the same versions. Their source code: https://download.qt.io/official_releases/qt/ and
https://ffmpeg.org/download.html (or ask the emolab developers for a copy)."""
#: Where Debian keeps the licence texts the notices quote (other systems: the URLs instead).
_COMMON_LICENSES = Path("/usr/share/common-licenses")

DEMO_PHOTO_NOTICE = (
    "demo/astronaut.png - the photograph of astronaut Eileen Collins that scikit-image ships as\n"
    "skimage.data.astronaut() (scikit-image: BSD-3-Clause). NASA imagery, in the public domain\n"
    "(https://commons.wikimedia.org/wiki/File:Eileen_Collins.jpg). emolab's demo uses it as a\n"
    "stand-in respondent."
)


def license_text() -> str:
    """Emolab's own licence (the GNU AGPL v3 text), from the bundle or the source checkout."""
    path = app_root() / "LICENSE"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    try:
        dist = md.distribution("emolab")
        for f in dist.files or []:
            if f.name == "LICENSE":
                return f.read_text(encoding="utf-8")
    except md.PackageNotFoundError:
        pass
    return f"emolab is licensed under the GNU Affero General Public License v3.0 or later ({LICENSE_NAME})."


def third_party_notices() -> str:
    """The notices the About dialog shows: the bundle's file, else made for this installation."""
    bundled = app_root() / NOTICES_FILE  # the build writes it into the bundle, never the checkout
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8")
    from emolab.settings import default_models_dir

    return notices_text(
        runtime_distributions(),
        default_models_dir(),
        scope="emolab's declared dependencies as installed in this developer environment",
    )


def _requirement_names(requirements: Iterable[str]) -> list[str]:
    """Names of the unconditional requirements among ``requirements`` (extras left out)."""
    names = []
    for req in requirements:
        if "extra ==" in req.replace('"', "'").replace("  ", " "):
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req.strip())
        if match:
            names.append(match.group(0))
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_requirements() -> list[str]:
    """The dependencies emolab declares.

    From pyproject.toml in a source checkout (an editable install's metadata is only as new as
    its last ``pip install``), else from the installed metadata.
    """
    pyproject = app_root() / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])
    try:
        return list(md.requires("emolab") or [])
    except md.PackageNotFoundError:
        return []


def runtime_distributions() -> list[str]:
    """The installed runtime requirements of emolab and theirs, recursively (sorted)."""
    seen: dict[str, str] = {}
    todo = _requirement_names(_declared_requirements())
    while todo:
        name = todo.pop()
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        key = _normal(dist.metadata["Name"] or name)
        if key in seen or key == "emolab":
            continue
        seen[key] = dist.metadata["Name"] or name
        todo.extend(_requirement_names(dist.requires or []))
    return sorted(seen.values(), key=str.lower)


def _licence_summary(meta: md.PackageMetadata) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (meta.get("License") or "").strip()
    if text and len(text) < 120 and "\n" not in text:
        classifiers.insert(0, text)
    return "; ".join(dict.fromkeys(classifiers)) or "see the licence text below"


def _homepage(meta: md.PackageMetadata) -> str:
    if meta.get("Home-page"):
        return meta["Home-page"]
    for url in meta.get_all("Project-URL") or []:
        label, _, link = url.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "source code", "repository"):
            return link.strip()
    return ""


def distribution_notice(name: str) -> str:
    """One distribution's notice: name, version, licence, home page and its licence files' text."""
    dist = md.distribution(name)
    meta = dist.metadata
    lines = [_RULE, f"{meta['Name']} {dist.version}", f"Licence: {_licence_summary(meta)}"]
    if _homepage(meta):
        lines.append(f"Home page: {_homepage(meta)}")
    texts = []
    seen: set[str] = set()
    for f in sorted(dist.files or [], key=lambda p: (len(p.parts), str(p))):
        if not _LICENCE_FILE.match(f.name) or f.suffix in (".py", ".pyc", ".pyi", ".so", ".dll"):
            continue
        path = Path(str(dist.locate_file(f)))
        if not path.is_file():
            continue
        size = path.stat().st_size
        if size > _MAX_TEXT:
            texts.append(f"--- {f} ({size // 1024} kB, shipped with the package; not copied here)")
            continue
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        if text not in seen:  # some packages ship the same text twice (dist-info and package)
            seen.add(text)
            texts.append(f"--- {f}\n\n{text}")
    if not texts and meta.get("License") and "\n" in meta["License"]:
        texts.append(f"--- licence from the package metadata\n\n{meta['License'].strip()}")
    return "\n".join(lines) + ("\n\n" + "\n\n".join(texts) if texts else "") + "\n"


def model_notice(models_dir: Path) -> str:
    """The licences, sources and training data of the models whose files are in ``models_dir``."""
    out = []
    for card in discover_cards(models_dir):
        if card.file is None or not card.installed:
            continue
        lines = [f"{card.name} ({card.file})"]
        for label, text in (("Licence", card.license), ("Source", card.source), ("Training data", card.training_data)):
            if text:
                lines.append(textwrap.fill(f"{label}: {text}", width=90, initial_indent="  ", subsequent_indent="    "))
        out.append("\n".join(lines))
    return "\n\n".join(out)


def python_notice() -> str:
    """The Python interpreter's own licence (the installed app embeds it)."""
    version = platform.python_version()
    for folder in (
        Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}",
        Path(sys.base_prefix),
    ):
        path = folder / "LICENSE.txt"
        if path.is_file():
            return f"{_RULE}\nPython {version}\nLicence: PSF-2.0\n\n{path.read_text(encoding='utf-8').strip()}\n"
    return f"{_RULE}\nPython {version}\nLicence: PSF-2.0 (https://docs.python.org/3/license.html)\n"


def lgpl_notice() -> str:
    """Qt's and FFmpeg's notice, with the LGPL texts when this system has them."""
    parts = [f"{_RULE}\nQt and FFmpeg (inside PySide6)\n\n{QT_NOTICE}"]
    for name, url in (
        ("LGPL-3", "https://www.gnu.org/licenses/lgpl-3.0.txt"),
        ("GPL-3", "https://www.gnu.org/licenses/gpl-3.0.txt"),
        ("LGPL-2.1", "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.txt"),
    ):
        path = _COMMON_LICENSES / name
        if path.is_file():
            parts.append(f"--- {name}\n\n{path.read_text(encoding='utf-8').strip()}")
        else:
            parts.append(f"--- {name}: {url}")
    return "\n\n".join(parts) + "\n"


def notices_text(
    distributions: Iterable[str],
    models_dir: Path,
    scope: str,
    python: bool = False,
    demo_photo: bool = False,
    other_libraries: str = "",
) -> str:
    """The whole notices text: header, models, Python, each distribution, other libraries."""
    distributions = list(distributions)
    intro = textwrap.fill(
        f"emolab itself is licensed under the GNU Affero General Public License v3.0 or later ({LICENSE_NAME}); "
        f"see LICENSE. This file lists the third-party software and models it comes with ({scope}) and their "
        "licences, from the packages' metadata and emolab's model cards.",
        width=90,
    )
    parts = [
        f"emolab {__version__} - third-party notices\n\n{intro}\n",
        f"{_RULE}\nMODELS\n\n{model_notice(models_dir) or '(none)'}\n",
    ]
    if demo_photo:
        parts.append(f"{_RULE}\nDEMO IMAGE\n\n{DEMO_PHOTO_NOTICE}\n")
    parts.append(f"{_RULE}\nSOFTWARE\n")
    if python:
        parts.append(python_notice())
    parts.extend(distribution_notice(name) for name in distributions)
    if any(_normal(name).startswith("pyside6") for name in distributions):
        parts.append(lgpl_notice())
    if other_libraries:
        parts.append(f"{_RULE}\nOTHER LIBRARIES\n\n{other_libraries.strip()}\n")
    return "\n".join(parts)


def write_notices(path: Path, distributions: Iterable[str], models_dir: Path, **kwargs: object) -> Path:
    """Write :func:`notices_text` to ``path`` (the build does, for the bundle)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(notices_text(distributions, models_dir, **kwargs), encoding="utf-8")
    return path
