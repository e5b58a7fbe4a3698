"""The Help menu's About dialog and the application icon, in the real window (offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.conftest_gui import QT_LOG_IGNORE, make_window_fixture  # noqa: F401

# The offscreen platform cannot raise a window (the dialog is raised when asked for again).
pytestmark = pytest.mark.qt_log_ignore(*QT_LOG_IGNORE, "does not support raise")


def test_help_menu_opens_about_with_version_licence_and_notices(make_window, qtbot) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QLabel

    from emolab import __version__

    window = make_window()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[-1] == "Help", f"the Help menu comes last: {titles}"
    assert window.menuBar().actions()[-1] is window.help_menu.menuAction()
    entries = [a.text().replace("&", "") for a in window.help_menu.actions()]
    assert entries == ["About emolab…", "About Qt…"]

    window.act_about.trigger()
    dialog = window.about_dialog
    qtbot.waitExposed(dialog)
    assert dialog.isVisible() and dialog.parent() is window
    assert f"emolab {__version__}" in dialog.findChild(QLabel, "about_title").text()
    summary = dialog.summary.text()
    assert "GNU Affero General Public License v3.0 or later (AGPL-3.0-or-later)" in summary
    assert "NO WARRANTY" in summary
    licence = dialog.license_view.toPlainText()
    assert licence.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE") and "Version 3" in licence[:200]

    assert dialog.notices_view.toPlainText() == "", "the large notices text is read only when asked for"
    dialog.show_notices()
    notices = dialog.notices_view.toPlainText()
    # The models the app runs, with their licences from the model cards ...
    assert "mtcnn (mtcnn_onet.onnx)" in notices
    assert "MTCNN weights: MIT" in notices
    assert "FER2013" in notices, "emolab's classifier says what it was trained on"
    # ... and the libraries it runs on, with their licence texts.
    for package in ("PySide6", "numpy", "opencv-python", "onnxruntime", "pyqtgraph", "Jinja2"):
        assert f"\n{package} " in notices, f"{package} is missing from the notices"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in notices or "lgpl-3.0.txt" in notices, "Qt's LGPL"
    assert "Permission is hereby granted" in notices, "licence texts are quoted, not only named"

    window.act_about.trigger()  # asking again raises the same dialog
    assert window.about_dialog is dialog
    dialog.close()


def test_application_icon_has_every_size_a_desktop_asks_for() -> None:
    from PySide6.QtCore import QSize

    from emolab.gui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= sizes
    image = icon.pixmap(QSize(48, 48)).toImage()
    corner, centre = image.pixelColor(0, 0), image.pixelColor(24, 30)
    assert corner.alpha() == 0, "rounded corners are transparent"
    assert centre.alpha() == 255


def test_starting_the_app_leaves_the_about_dialog_and_notices_unloaded() -> None:
    """The icon comes without the About dialog: it and the notices load only when asked for."""
    code = (
        "import sys; from emolab.gui.app import create_application; app = create_application([]); "
        "assert not app.windowIcon().isNull(); "
        "print(sorted(m for m in ('emolab.gui.about', 'emolab.notices') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
