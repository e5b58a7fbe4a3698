"""QApplication set-up: Qt environment fixes, translations, error hooks, and the window.

Importing this module must stay cheap: torch and the models are loaded by the worker.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

ORGANIZATION = "emolab"
APPLICATION = "emolab"


def fix_qt_environment() -> None:
    """Undo what opencv-python does to Qt on import.

    opencv-python ships its own Qt plugins and fonts and, when cv2 is imported, points
    ``QT_QPA_PLATFORM_PLUGIN_PATH`` and ``QT_QPA_FONTDIR`` at them; PySide6 would then load
    cv2's incompatible platform plugin and fail to start. Import cv2 first (so it cannot do
    this later) and drop the variables when they point into cv2.
    """
    import cv2  # noqa: F401 - imported for its side effect on the environment

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        value = os.environ.get(var, "")
        if value and "cv2" in Path(value).parts:
            del os.environ[var]
    # Qt Multimedia lists every optional library it could not find (VA-API, PipeWire), and at
    # info level prints FFmpeg's version, each file's stream dump and "No HW decoder found":
    # noise at every launch. Its warnings (a damaged ad, a failed decoder) still show.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.*.info=false")


fix_qt_environment()

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot  # noqa: E402 - after the environment fix
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget  # noqa: E402

from emolab import __version__  # noqa: E402
from emolab.gui.i18n import install_translators, pick_language  # noqa: E402
from emolab.gui.icons import app_icon  # noqa: E402
from emolab.gui.main_window import WindowOptions  # noqa: E402
from emolab.gui.qtlog import OPEN_INTERRUPTED, quiet  # noqa: E402
from emolab.settings import Settings  # noqa: E402


def log_file() -> Path:
    """Where unexpected errors are written (a windowed app has no console).

    ``~/.emolab``, or a folder in the system's temporary folder when the home folder cannot be
    written (a read-only or missing home must not stop the window from opening).
    """
    home = Path.home() / ".emolab"
    for folder in (home, Path(tempfile.gettempdir()) / f"emolab-{os.getuid() if hasattr(os, 'getuid') else 'user'}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder / "emolab-gui.log"
    return home / "emolab-gui.log"  # nowhere writable: install_error_hooks goes without a log file


class _ErrorReporter(QObject):
    """Carries unexpected exceptions from any thread to a dialog on the GUI thread."""

    report = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._boxes: list[QMessageBox] = []
        self.report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @Slot(str)
    def _show(self, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            self.tr("emolab: unexpected error"),
            self.tr("Something went wrong. emolab keeps running; details are in {0}.").format(log_file()),
        )
        box.setDetailedText(text)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._boxes.append(box)  # a parentless dialog lives only as long as a Python reference
        box.finished.connect(lambda _=0, b=box: self._boxes.remove(b))
        box.show()


def install_error_hooks() -> _ErrorReporter:
    """Route uncaught exceptions (GUI thread and other threads) to the log and a dialog."""
    reporter = _ErrorReporter()
    try:
        handler: logging.Handler = logging.FileHandler(log_file(), encoding="utf-8")
    except OSError as exc:
        log.warning("unexpected errors are not written to a file: %s", exc)
        handler = logging.NullHandler()
    reporter.handler = handler
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        text = "".join(traceback.format_exception(kind, exc, tb))
        log.error("uncaught exception:\n%s", text)
        reporter.report.emit(text)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        excepthook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return reporter


def create_application(argv: list[str] | None = None, lang: str | None = None) -> QApplication:
    """The QApplication with names (for QSettings) and translators for ``lang``."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("emolab")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("emolab")  # ties the window to emolab.desktop (taskbar icon on Wayland)
    app.setWindowIcon(app_icon())
    store = QSettings()
    chosen = pick_language(lang or str(store.value("language", "")) or None)
    app._emolab_translators = install_translators(app, chosen)  # keep them alive with the app
    return app


def grab_screen(path: Path, window: QWidget | None = None) -> bool:
    """Save the screen, cropped to ``window`` (``QWidget.grab()`` leaves a QVideoWidget blank)."""
    from PySide6.QtGui import QGuiApplication

    path.parent.mkdir(parents=True, exist_ok=True)
    screen = QGuiApplication.primaryScreen()
    if window is not None:
        g = window.frameGeometry()
        shot = screen.grabWindow(0, g.x(), g.y(), g.width(), g.height())
    else:
        shot = screen.grabWindow(0)
    ok = shot.save(str(path))
    log.info("screenshot %s: %s", path, "saved" if ok else "failed")
    return ok


def _quit_once_exposed(window: QWidget) -> None:
    """Quit the event loop as soon as ``window`` is mapped on screen (polled every 5 ms)."""
    from PySide6.QtCore import QTimer

    poll = QTimer(window)
    poll.setInterval(5)

    def check() -> None:
        handle = window.windowHandle()
        if handle is not None and handle.isExposed():
            poll.stop()
            QApplication.quit()

    poll.timeout.connect(check)
    poll.start()


def launch(
    settings: Settings,
    options: WindowOptions,
    lang: str | None = None,
    screenshot: Path | None = None,
    screenshot_after_s: float = 5.0,
    quit_when_ready: bool = False,
    on_screening_finished: Callable[[object], None] | None = None,
) -> int:
    """Open the window and run the event loop; returns the exit code.

    With ``options.quit_when_done`` the code is 0 when a session was saved and not
    ``failed``, else 1. With ``quit_when_ready`` the app quits as soon as the window is on
    screen (exposed) and its event loop runs: how start-up time is measured.
    ``on_screening_finished`` is called with each screening's SessionOutcome (the command
    line prints where the session went).
    """
    from PySide6.QtCore import QTimer

    from emolab.gui.main_window import MainWindow

    app = create_application(lang=lang)
    reporter = install_error_hooks()  # noqa: F841 - lives as long as the event loop
    try:
        window = MainWindow(settings, QSettings(), options)
    except Exception as exc:  # a frozen app has no console: say so in a dialog, keep the traceback
        log.exception("the window could not open")
        QMessageBox.critical(
            None,
            "emolab",
            QApplication.translate("app", "emolab could not open its window: {0}\nDetails are in {1}.").format(
                exc, log_file()
            ),
        )
        return 1
    if on_screening_finished is not None:
        window.screeningFinished.connect(on_screening_finished)
    if screenshot is not None:
        window.screeningStarted.connect(
            lambda: QTimer.singleShot(round(screenshot_after_s * 1000), lambda: grab_screen(screenshot, window))
        )
    window.show()
    if quit_when_ready:
        _quit_once_exposed(window)
    with quiet(OPEN_INTERRUPTED):  # a screening stopped while the player still opens the ad
        code = app.exec()
    if options.quit_when_done:
        outcome = window.last_outcome
        return 0 if outcome is not None and outcome.folder is not None and outcome.status != "failed" else 1
    return int(code)
