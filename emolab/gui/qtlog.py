"""Keep Qt's known-harmless start-up messages off the terminal, and everything else on it.

Two messages appear at every launch and say nothing a user can act on:

- ``PulseAudioService: pa_context_connect() failed``: Qt asks PulseAudio for sound devices on a
  machine without a sound server. emolab already handles it (the ad plays without sound, and
  the window says so).
- ``QObject::connect(QStyleHints, QStyleHints): unique connections require a pointer to member
  function``: pyqtgraph asks to follow the system's dark mode with a connection Qt refuses.
  emolab's charts are drawn on white whatever the mode.

A third appears when a screening ends and the window closes while the player is still opening
the ad (``Could not open media. FFmpeg error description: Immediate exit requested``): the
"error" is emolab itself interrupting the open, never a file that cannot be played (those have
another description and still show).

Each is hidden only while the call that causes it runs (:func:`quiet`), by its exact text;
any other message during that call is passed on as Qt would print it.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

from PySide6.QtCore import QMessageLogContext, QtMsgType, qFormatLogMessage, qInstallMessageHandler

log = logging.getLogger(__name__)

PULSEAUDIO_ABSENT = "PulseAudioService: pa_context_connect() failed"
PYQTGRAPH_DARK_MODE = "QObject::connect(QStyleHints, QStyleHints): unique connections require"
OPEN_INTERRUPTED = "Could not open media. FFmpeg error description: Immediate exit requested"


@contextlib.contextmanager
def quiet(*harmless: str) -> Iterator[None]:
    """Drop Qt messages that start with one of ``harmless`` while the block runs (GUI thread)."""
    previous = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message.startswith(harmless):
            log.debug("Qt (harmless): %s", message)
        elif previous is not None:
            previous(kind, context, message)
        else:
            print(qFormatLogMessage(kind, context, message), file=sys.stderr, flush=True)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
