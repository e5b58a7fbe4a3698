"""PyInstaller runtime hook: keep the frozen app offline and write startup errors to a file."""

import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "True")


def _log_crash(exc_type, exc, tb):  # noqa: ANN001
    log = Path.home() / "emolab-crash.log"
    log.write_text("".join(traceback.format_exception(exc_type, exc, tb)), encoding="utf-8")
    sys.__excepthook__(exc_type, exc, tb)


sys.excepthook = _log_crash
