"""Translations: Qt's .qm catalogues and the translated names of emotions and groups.

Catalogues live under ``resources/i18n/``.
Sources are ``resources/i18n/emolab_<lang>.ts`` (updated with ``pyside6-lupdate``, compiled
with ``pyside6-lrelease``; see ``resources/i18n/README.md``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from emolab.runtime import app_root

log = logging.getLogger(__name__)

LANGUAGES = ("en", "ru")


def resources_dir() -> Path:
    """``resources/`` of a source checkout, or of the installed app's bundle."""
    return app_root() / "resources"


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def pick_language(requested: str | None) -> str:
    """``requested`` if shipped, else the system locale's language if shipped, else English."""
    for lang in (requested, QLocale.system().name().split("_")[0]):
        if lang and lang.lower() in LANGUAGES:
            return lang.lower()
    if requested:
        log.warning("no %r translation shipped; using English (available: %s)", requested, ", ".join(LANGUAGES))
    return "en"


def install_translators(app: QCoreApplication, lang: str) -> list[QTranslator]:
    """Load emolab's and Qt's own catalogues for ``lang``; the caller keeps them alive."""
    installed = []
    own = QTranslator(app)
    if own.load(f"emolab_{lang}", str(i18n_dir())):
        app.installTranslator(own)
        installed.append(own)
    elif lang != "en":
        log.warning("translation %s not found in %s", f"emolab_{lang}.qm", i18n_dir())
    qt = QTranslator(app)  # standard dialogs and buttons
    if lang != "en" and qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    QLocale.setDefault(QLocale(lang))
    return installed


def emotion_name(emotion: str) -> str:
    """The translated name of a canonical emotion."""
    names = {
        "angry": QCoreApplication.translate("Emotions", "angry"),
        "disgust": QCoreApplication.translate("Emotions", "disgust"),
        "fear": QCoreApplication.translate("Emotions", "fear"),
        "happy": QCoreApplication.translate("Emotions", "happy"),
        "sad": QCoreApplication.translate("Emotions", "sad"),
        "surprise": QCoreApplication.translate("Emotions", "surprise"),
        "neutral": QCoreApplication.translate("Emotions", "neutral"),
    }
    return names.get(emotion, emotion)


def group_name(group: str) -> str:
    """The translated name of an emotion group."""
    names = {
        "positive": QCoreApplication.translate("Emotions", "positive"),
        "negative": QCoreApplication.translate("Emotions", "negative"),
        "neutral": QCoreApplication.translate("Emotions", "neutral", "group"),
    }
    return names.get(group, group)
