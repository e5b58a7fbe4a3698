"""Decode a video ahead of the analysis, on its own thread (offline analysis: nothing is dropped).

Decoding a frame (FFmpeg, in OpenCV) and analysing one (ONNX Runtime) both release Python's
GIL, so on two cores one thread decodes frame n+1 while the other analyses frame n.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from emolab.capture.sources import Frame, FrameSource
from emolab.errors import SourceError

_END = object()


class Prefetcher:
    """Iterate over ``source``'s frames, decoded up to ``depth`` frames ahead on a thread.

    An error while decoding is raised by the iteration, after the frames decoded before it.
    """

    def __init__(self, source: FrameSource, depth: int = 8) -> None:
        self.source = source
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emolab-decode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self.source:
                if not self._put(frame):
                    return
        except Exception as exc:  # handed to the consumer, which reports it
            self._put(exc if isinstance(exc, SourceError) else SourceError(f"{self.source.description}: {exc}"))
            return
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def close(self) -> None:
        """Stop decoding (the consumer stopped early); the source itself is closed by its owner."""
        self._stop.set()
        self._thread.join(timeout=2.0)
