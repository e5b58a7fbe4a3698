"""A capture thread that keeps only the newest frame, so a slow consumer never lags behind."""

from __future__ import annotations

import threading

from emolab.capture.sources import Frame, FrameSource
from emolab.errors import EmolabError, SourceEnded, SourceError


class LatestFrameGrabber:
    """Reads ``source`` on its own thread into a single slot.

    :meth:`get` returns the newest frame not yet taken; frames overwritten before anyone took
    them are counted in :attr:`dropped`. When the source ends or fails, :meth:`get` raises
    that error once the last frame has been taken.
    """

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self._cond = threading.Condition()
        self._slot: Frame | None = None
        self._error: EmolabError | None = None
        self._stop = threading.Event()
        self.dropped = 0
        self.grabbed = 0
        self._thread = threading.Thread(target=self._run, name="emolab-capture", daemon=True)

    def start(self) -> LatestFrameGrabber:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self.source.read()
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = frame
                    self.grabbed += 1
                    self._cond.notify_all()
        except EmolabError as exc:
            err: EmolabError = exc
        except Exception as exc:  # a driver failing mid-stream must still reach the consumer
            err = SourceError(f"{self.source.description} failed: {exc}")
        else:
            err = SourceEnded(f"{self.source.description} was stopped")
        with self._cond:
            self._error = err
            self._cond.notify_all()

    def get(self, timeout: float = 2.0) -> Frame | None:
        """The newest untaken frame; None if none arrived within ``timeout`` seconds."""
        with self._cond:
            if self._slot is None and self._error is None:
                self._cond.wait(timeout)
            if self._slot is not None:
                frame, self._slot = self._slot, None
                return frame
            if self._error is not None:
                raise self._error
            return None

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.source.close()
