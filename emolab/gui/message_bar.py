"""A non-modal message line for the window: what happened, and buttons to act on it.

Used instead of modal dialogs so that unattended (kiosk) screenings and tests never block.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class MessageBar(QFrame):
    """A non-modal message line above the work area, with optional action buttons."""

    STYLES = {
        "info": "background:#e8f0fe; color:#174ea6;",
        "ok": "background:#e6f4ea; color:#0d652d;",
        "warning": "background:#fef7e0; color:#8a4b00;",
        "error": "background:#fce8e6; color:#a50e0e;",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons: list[QPushButton] = []
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 6, 6)
        self._layout.addWidget(self.label, 1)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        self._layout.addWidget(close)
        self.kind = ""
        self.hide()

    def buttons(self) -> list[QPushButton]:
        """The action buttons of the message shown now."""
        return list(self._buttons)

    def show_message(self, kind: str, text: str, buttons: list[tuple[str, Callable[[], None]]] | None = None) -> None:
        for b in self._buttons:
            b.deleteLater()
        self._buttons = []
        for title, slot in buttons or []:
            b = QPushButton(title, self)
            b.clicked.connect(slot)
            self._layout.insertWidget(self._layout.count() - 1, b)
            self._buttons.append(b)
        self.kind = kind
        self.setStyleSheet(
            f"MessageBar {{ {self.STYLES.get(kind, '')} border-radius:4px; }}QLabel {{ {self.STYLES.get(kind, '')} }}"
        )
        self.label.setText(text)
        self.show()
