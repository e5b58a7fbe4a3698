"""The About dialog (version, licence, third-party notices)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSettings, QSize, Qt, qVersion
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from emolab import __version__
from emolab.notices import LICENSE_NAME, license_text, third_party_notices
from emolab.runtime import app_root, is_frozen


def _text_view(object_name: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName(object_name)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class AboutDialog(QDialog):
    """What this emolab is, under which licence, and the licences of everything it ships with.

    The notices (a large text) are read when their tab is first shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About emolab"))
        self.resize(760, 560)

        icon = QLabel()
        icon.setPixmap(QApplication.windowIcon().pixmap(QSize(96, 96)))  # create_application sets it
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>emolab {__version__}</h2>")
        title.setObjectName("about_title")
        settings_file = QSettings().fileName()
        # The installed app's folder is the executable's (its data lies in _internal/ below it).
        where = Path(sys.executable).parent if is_frozen() else app_root()
        self.summary = QLabel(
            "<p>"
            + self.tr("Facial-emotion measurement for advertising test screenings: offline, on an ordinary CPU.")
            + "</p><p>"
            + self.tr("Licence: GNU Affero General Public License v3.0 or later ({0}).").format(LICENSE_NAME)
            + "<br>"
            + self.tr(
                "emolab is free software: you may redistribute and modify it under the terms of that licence "
                "(its text is under “Licence”). It comes with ABSOLUTELY NO WARRANTY."
            )
            + "</p><p>"
            + self.tr("The software and models it comes with keep their own licences: see “Third-party notices”.")
            + "</p><p><small>"
            + self.tr("Python {0}, Qt {1}, PySide6 {2}").format(platform.python_version(), qVersion(), pyside_version)
            + "<br>"
            + self.tr("Installed in: {0}").format(where)
            + "<br>"
            + self.tr("Settings: {0}").format(settings_file)
            + "</small></p>"
        )
        self.summary.setObjectName("about_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QVBoxLayout()
        head.addWidget(title)
        head.addWidget(self.summary)
        head.addStretch(1)
        about = QWidget()
        row = QHBoxLayout(about)
        row.addWidget(icon)
        row.addLayout(head, 1)

        self.license_view = _text_view("about_license")
        self.license_view.setPlainText(license_text())
        self.notices_view = _text_view("about_notices")
        self.tabs = QTabWidget()
        self.tabs.addTab(about, self.tr("About"))
        self.tabs.addTab(self.license_view, self.tr("Licence"))
        self.tabs.addTab(self.notices_view, self.tr("Third-party notices"))
        self.tabs.currentChanged.connect(self._fill_notices)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    def show_notices(self) -> None:
        """Switch to the third-party notices."""
        self.tabs.setCurrentWidget(self.notices_view)

    def _fill_notices(self, _index: int = 0) -> None:
        if self.tabs.currentWidget() is self.notices_view and not self.notices_view.toPlainText():
            self.notices_view.setPlainText(third_party_notices())
