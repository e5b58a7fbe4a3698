"""Run one screening in the real window on an X display, act on it like an operator, and record what was seen.

Used by tests/test_gui_xvfb.py, which starts Xvfb and runs this with ``QT_QPA_PLATFORM=xcb``
(the platform users get, unlike the offscreen one of the other GUI tests)::

    python -m tests.xvfb_screening --out DIR [--pause-at S --pause-for S] [--stop-at S]
        [--fill-disk-leaving KB] -- EMOLAB_GUI_ARGS...

The window is made from ``emolab gui`` arguments as the command line makes it. Times are
seconds after the screening started (the ad or its calibration). When the screening has
ended and the window has settled, the whole screen is grabbed (``QScreen.grabWindow(0)``, what
is really on the X display, video included) into ``DIR/screen.png``, and ``DIR/result.json``
says what the window showed: the outcome, the message, the charts' data and where the charts
are on the screen. A session on a disk that vanishes with this process (a test's tiny tmpfs)
is copied to ``DIR/session``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from emolab.gui import app as gui_app  # fixes the Qt environment before any QApplication

SETTLE_MS = 800  # after the end: the last redraws and the message reach the screen
TIMEOUT_S = 120.0


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    p = argparse.ArgumentParser(prog="python -m tests.xvfb_screening")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--pause-at", type=float, default=None)
    p.add_argument("--pause-for", type=float, default=1.5)
    p.add_argument("--stop-at", type=float, default=None)
    p.add_argument(
        "--again-for", type=float, default=None, metavar="S", help="then start a second screening, stopped after S"
    )
    p.add_argument("--fill-disk-leaving", type=int, default=None, metavar="KB")
    p.add_argument("--copy-session", action="store_true")
    if "--" not in argv:
        p.error("give the emolab gui arguments after --")
    i = argv.index("--")
    return p.parse_args(argv[:i]), argv[i + 1 :]


def _fill_disk(folder: Path, leave_kb: int) -> int:
    """Write a file in ``folder`` that leaves about ``leave_kb`` KiB free on its disk; its size."""
    st = os.statvfs(folder)
    size = max(0, st.f_bavail * st.f_frsize - leave_kb * 1024)
    with open(folder / "filler.bin", "wb") as fh:
        fh.write(b"\0" * size)
    return size


def _global_rect(plot, view) -> list[int]:  # noqa: ANN001
    """The screen rectangle (x, y, w, h) of a pyqtgraph plot's data area."""
    rect = view.mapFromScene(plot.vb.sceneBoundingRect()).boundingRect()
    top_left = view.mapToGlobal(rect.topLeft())
    return [top_left.x(), top_left.y(), rect.width(), rect.height()]


def _line_points(line) -> dict:  # noqa: ANN001
    """What a curve holds and what it draws (finite points), after clipping to the view."""
    import numpy as np

    x, y = line.getData()
    shown = 0 if x is None else int(np.sum(np.isfinite(x) & np.isfinite(y)))
    held = line.xData
    return {"shown": shown, "held": 0 if held is None else len(held)}


def main(argv: list[str]) -> int:
    opts, gui_argv = _parse(argv)
    opts.out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QGuiApplication

    from emolab.cli.gui import window_options
    from emolab.cli.main import build_parser
    from emolab.gui.main_window import MainWindow

    app = gui_app.create_application()
    settings, options = window_options(build_parser().parse_args(["gui", *gui_argv]))
    store = QSettings(str(opts.out / "emolab-gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, store, options)
    record: dict = {"platform": QGuiApplication.platformName(), "events": []}
    started = {}

    def event(name: str) -> None:
        now = time.monotonic()
        record["events"].append(
            {
                "event": name,
                "t": now - started.get("t", now),
                "ad_ms": window.clock.ad_ms_at(now),
                "state": window.state,
            }
        )

    def on_started() -> None:
        started["t"] = time.monotonic()
        event("started")
        if opts.fill_disk_leaving is not None:
            record["filler_bytes"] = _fill_disk(settings.sessions_dir, opts.fill_disk_leaving)
        if opts.pause_at is not None:

            def pause() -> None:
                window.act_pause.trigger()  # F6, the Pause button
                event("paused")
                QTimer.singleShot(round(opts.pause_for * 1000), resume)

            def resume() -> None:
                event("before resume")
                window.act_pause.trigger()
                event("resumed")

            QTimer.singleShot(round(opts.pause_at * 1000), pause)
        stop_at = opts.stop_at if "again" not in started else opts.again_for
        if stop_at is not None:
            QTimer.singleShot(round(stop_at * 1000), lambda: (event("stop"), window.act_stop.trigger()))

    def on_finished(outcome) -> None:  # noqa: ANN001
        event("finished")
        done = None
        if outcome is not None:
            done = {
                "folder": str(outcome.folder) if outcome.folder else None,
                "status": outcome.status,
                "reason": outcome.reason,
                "summary": outcome.summary,
                "frames": outcome.frames,
                "message": {"kind": window.message.kind, "text": window.message.label.text()},
            }
        if "again" in started:
            record["second_outcome"] = done
        else:
            record["outcome"] = done
            if opts.again_for is not None:
                started["again"] = True
                QTimer.singleShot(SETTLE_MS, window.act_start.trigger)  # the next respondent, same window
                return
        QTimer.singleShot(SETTLE_MS, finish)

    def finish() -> None:
        curves = window.curves
        record["message"] = {"kind": window.message.kind, "text": window.message.label.text()}
        record["charts"] = {
            "emotions": {e: _line_points(line) for e, line in curves.emotion_lines.items()},
            "groups": {g: _line_points(line) for g, line in curves.group_lines.items()},
            "x_range": list(curves.emotion_plot.vb.viewRange()[0]),
            "emotion_rect": _global_rect(curves.emotion_plot, curves.view),
            "group_rect": _global_rect(curves.group_plot, curves.view),
        }
        t, _ = curves.emotions.data()
        record["curve_t_s"] = [float(x) for x in t]
        latest = window._latest
        record["last_preview_faces"] = None if latest is None else len(latest.result.faces)
        record["status_bar"] = window.state_label.text()
        geometry = window.frameGeometry()
        record["window_rect"] = [geometry.x(), geometry.y(), geometry.width(), geometry.height()]
        shot = QGuiApplication.primaryScreen().grabWindow(0)
        record["screenshot"] = str(opts.out / "screen.png")
        record["screenshot_saved"] = bool(shot.save(record["screenshot"]))
        folder = (record.get("outcome") or {}).get("folder")
        if opts.copy_session and folder:
            shutil.copytree(folder, opts.out / "session")
            record["session_copy"] = str(opts.out / "session")
        (opts.out / "result.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
        window.shutdown()
        app.quit()

    def give_up() -> None:
        record["error"] = f"no end of screening within {TIMEOUT_S:.0f} s"
        (opts.out / "result.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
        window.shutdown()
        app.exit(3)

    window.screeningStarted.connect(on_started)
    window.screeningFinished.connect(on_finished)
    QTimer.singleShot(round(TIMEOUT_S * 1000), give_up)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
