"""Work that takes seconds (comparing studies, reading and writing the norms) on its own QThread.

A :class:`BackgroundTask` runs one function of :mod:`emolab.gui.actions` on a worker thread
and reports on the GUI thread: ``finished(result)`` or ``errored(exception)``. The window
never freezes, and a dialog only ever touches widgets from the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from emolab.errors import EmolabError

log = logging.getLogger(__name__)


class _Job(QObject):
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - every failure reaches the window, which shows it
            if not isinstance(exc, EmolabError):  # a bug, not bad input: keep its traceback in the log
                log.error("background task failed", exc_info=exc)
            self.failed.emit(exc)
            return
        self.done.emit(result)


class BackgroundTask(QObject):
    """One function run off the GUI thread. Start it with :meth:`start`; :meth:`wait` before quitting."""

    finished = Signal(object)
    errored = Signal(object)

    def __init__(self, fn: Callable[[], Any], name: str = "emolab-task", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.job = _Job(fn)
        self.job.moveToThread(self.thread)
        self.thread.started.connect(self.job.run)
        # Both arrive on the GUI thread (this object lives there): queued across threads.
        self.job.done.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.running = False

    def start(self) -> None:
        self.running = True
        self.thread.start()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Let the work finish (it cannot be interrupted halfway); True when the thread has ended."""
        if not self.thread.isRunning():
            return True
        self.thread.quit()
        return bool(self.thread.wait(timeout_ms))

    def _end(self) -> None:
        self.running = False
        self.thread.quit()
        self.thread.wait()

    def _on_done(self, result: object) -> None:
        self._end()
        self.finished.emit(result)

    def _on_failed(self, exc: object) -> None:
        self._end()
        self.errored.emit(exc)
