"""PyInstaller runtime hook of the installed app: no lost output, and startup errors kept in a file.

Runs before emolab is imported. A windowed program on Windows (``emolab-gui.exe``) has no
stdout or stderr (``None``): anything that writes or flushes them would fail, so they go to
the null device. An error before the window exists is written to ``~/.emolab/emolab-crash.log``
(the window's own errors go to ``~/.emolab/emolab-gui.log`` and a dialog); nothing is written
into the app's folder, which may be read-only.
"""

import os
import sys
import traceback
from pathlib import Path

for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the app


def _log_crash(exc_type, exc, tb):  # noqa: ANN001
    try:
        folder = Path.home() / ".emolab"
        folder.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        (folder / "emolab-crash.log").write_text(text, encoding="utf-8")
    except OSError:
        pass
    sys.__excepthook__(exc_type, exc, tb)


sys.excepthook = _log_crash
