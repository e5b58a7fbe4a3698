"""The application icon (kept apart from the About dialog, which the window loads only on demand)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from emolab.gui.i18n import resources_dir

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The application icon at every size it is drawn at (``resources/icons/emolab-<size>.png``)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resources_dir() / "icons" / f"emolab-{size}.png"
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
