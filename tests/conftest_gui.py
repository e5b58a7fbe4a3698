"""Fixtures for the GUI tests (imported by tests/test_gui.py; the lead owns conftest.py).

Every window a test makes is shut down after the test, and the test fails if a screening
thread, a capture thread or a window timer is still running.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fixes the Qt environment before any QApplication, and quiets Qt Multimedia's informational noise
# (QT_LOGGING_RULES) as a user's launch does.
from emolab.gui import app as gui_app  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VIDEOS = SHARED / "data" / "videos"

#: Messages Qt prints on machines without audio, GPU or window manager; not failures.
QT_LOG_IGNORE = (
    "QAudioOutput",
    "PulseAudio",
    "pulseaudio",
    "pa_context",
    "No HW decoder",
    "No RHI backend",
    "propagateSizeHints",
    "unique connections require",
    "QFont::",
    "libpng",
    "qt.multimedia",
    "Unable to open",
    "QStandardPaths",
)


def shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: this check needs ../shared beside the checkout")
    return path


@pytest.fixture(name="make_window")
def make_window_fixture(qtbot, tmp_path) -> Callable[..., object]:  # noqa: ANN001
    """Make a :class:`MainWindow` from ``emolab gui`` arguments, as the CLI would."""
    from PySide6.QtCore import QSettings

    from emolab.cli.main import build_parser
    from emolab.gui.main_window import MainWindow

    windows = []

    def factory(*argv: str, show: bool = True) -> MainWindow:
        from emolab.cli.gui import window_options

        args = build_parser().parse_args(["gui", *argv])
        settings, options = window_options(args)
        store = QSettings(str(tmp_path / "emolab-gui.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, store, options)
        qtbot.addWidget(window)
        windows.append(window)
        if show:
            window.show()
        return window

    yield factory
    for window in windows:
        window.shutdown()
    leftovers = []
    for window in windows:
        if window.thread is not None and window.thread.isRunning():
            leftovers.append("screening QThread")
        for name in ("_stop_timer", "_status_timer"):
            if getattr(window, name).isActive():
                leftovers.append(f"timer {name}")
        if window.curves.timer.isActive():
            leftovers.append("curves timer")
        window.close()
    leftovers += [t.name for t in threading.enumerate() if t.name.startswith("emolab-") and t.is_alive()]
    assert not leftovers, f"left running after the test: {leftovers}"
