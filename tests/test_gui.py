"""The screening-room window, driven for real (offscreen) through the ``emolab gui`` options.

Screenings use a video file as the camera and a real ad; they assert what a marketer relies
on: curves aligned to ad time, a complete session whose summary matches its timeline, a
camera failing mid-session without taking the app down, and pause/resume keeping ad time
consistent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest_gui import QT_LOG_IGNORE, VIDEOS, make_window_fixture, shared_file  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)

REPO = Path(__file__).resolve().parents[1]
SCREENING_TIMEOUT_MS = 90_000  # loading models on two busy cores can be slow


def _frames(tl):  # noqa: ANN001, ANN202
    """Per processed frame: first-row indices of the timeline."""
    from emolab.session.metrics import frame_starts

    return frame_starts(tl)


def run_screening(qtbot, window, during=None):  # noqa: ANN001, ANN201
    """Wait until ``window`` has run its screening (autostart) to the end; return the outcome."""
    with qtbot.waitSignal(window.screeningFinished, timeout=SCREENING_TIMEOUT_MS) as blocker:
        if during is not None:
            qtbot.waitSignal(window.screeningStarted, timeout=SCREENING_TIMEOUT_MS).wait()
            during()
    return blocker.args[0]


def assert_complete_session(folder: Path):  # noqa: ANN201
    """The folder has every file, and its summary is what its timeline gives."""
    from emolab.session import load_session, summary_for

    for name in ("session.json", "timeline.csv", "summary.json"):
        assert (folder / name).is_file(), f"{name} missing from {folder}"
    session = load_session(folder)
    assert len(session.timeline) > 0, "no frame was recorded"
    assert session.summary == json.loads(json.dumps(summary_for(session.meta, session.timeline)))
    return session


def assert_curves_match_timeline(window, session) -> None:  # noqa: ANN001
    """The live curves got one point per recorded frame, at the frame's ad time (seconds)."""
    t, values = window.curves.emotions.data()
    tl = session.timeline
    starts = _frames(tl)
    np.testing.assert_allclose(t, tl.ad_ms[starts] / 1000.0, atol=1e-3)
    for k, start in enumerate(starts):
        rows = tl.select(tl.frame_index == tl.frame_index[start])
        if rows.has_face.any():
            np.testing.assert_allclose(values[k], rows.smoothed[rows.has_face].mean(axis=0), atol=1e-4)
        else:
            assert np.isnan(values[k]).all()
    # The attention line: the share of each frame's faces recorded as attentive (0 without a face).
    from emolab.session.metrics import frame_attention

    t_att, attention = window.curves.attention.data()
    np.testing.assert_allclose(t_att, t, atol=1e-9)
    np.testing.assert_allclose(attention[:, 0], frame_attention(tl), atol=1e-9)


# ---- without ../shared ---------------------------------------------------------------------------


def test_gui_modules_open_without_heavy_imports() -> None:
    code = (
        "import sys, emolab.gui.app, emolab.gui.main_window, emolab.cli.gui;"
        "print(sorted(m for m in ('torch', 'ultralytics', 'facenet_pytorch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_cv2_then_qt_in_one_process() -> None:
    """opencv-python's Qt variables must not stop PySide6 (opencv-python #467, #736)."""
    code = (
        "import cv2, os; import emolab.gui.app as a; from PySide6.QtWidgets import QApplication, QLabel;"
        "app = QApplication([]); w = QLabel('x'); w.show(); app.processEvents();"
        "print(app.platformName(), os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH'))"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["offscreen", "None"]


def test_no_start_without_consent(make_window, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    window = make_window(
        "--ad", str(ad), "--camera", str(ad), "--respondent", "R1", "--sessions-dir", str(tmp_path / "s")
    )
    assert not window.start_btn.isEnabled()
    assert window.start() is False
    assert window.state == "idle" and window.thread is None
    assert "consent" in window.message.label.text().lower()
    window.setup.consent_check.setChecked(True)
    assert window.start_btn.isEnabled()
    assert not (tmp_path / "s").exists()


def test_demo_screening_with_calibration(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    """A whole screening on generated clips (no ../shared): calibration, then the ad."""
    from emolab.demo import ensure_demo

    ensure_demo(tmp_path / "demo")  # what --demo makes, in a test folder
    window = make_window(
        "--demo",
        "--demo-folder",
        str(tmp_path / "demo"),
        "--calibration",
        "1",
        "--autostart",
        "--stop-after",
        "3.5",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    outcome = run_screening(qtbot, window)
    assert outcome.status == "stopped" and outcome.folder.parent == tmp_path / "sessions"
    session = assert_complete_session(outcome.folder)
    assert session.meta["calibration_s"] == 1.0 and session.meta["source"]["kind"] == "video-as-camera"
    assert_curves_match_timeline(window, session)
    tl = session.timeline
    assert set(tl.phase) <= {"calibration", "ad"}
    assert (tl.ad_ms[tl.phase == "calibration"] < 0).all() and (tl.ad_ms[tl.phase == "ad"] >= 0).all()
    assert np.all(np.diff(tl.ad_ms[_frames(tl)]) >= 0), "ad time went backwards"
    # The respondent's pose during calibration is their straight-ahead for attention.
    calib = tl.select((tl.phase == "calibration") & tl.has_face)
    assert len(calib) and session.summary["attention_reference"]["1"]["from"] == "own calibration"
    assert session.summary["attention_reference"]["1"]["yaw"] == pytest.approx(np.median(calib.pose[:, 0]), abs=1e-3)
    assert window.state == "idle" and str(outcome.folder) in window.message.label.text()
    assert window.act_report.isEnabled() and window.start_btn.isEnabled()
    # Stopped 3.5 s into an 8 s ad: the session says it covers only part of the ad, and the
    # window shows the engine's warning at the end of the screening.
    assert "partial_coverage" in [w["code"] for w in outcome.summary["warnings"]]
    assert window.message.kind == "warning" and "should not be trusted" in window.message.label.text()
    for warning in outcome.summary["warnings"]:
        assert warning["text"] in window.message.label.text()


def test_pause_keeps_ad_time_and_timeline_consistent(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad, make_demo_camera

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=10.0)
    cam = make_demo_camera(tmp_path / "cam.mp4", seconds=4.0, fps=10.0, face_from_s=0.0)
    window = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(cam),
        "--respondent",
        "P1",
        "--consent",
        "--autostart",
        "--stop-after",
        "6",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    marks = {}

    def pause_and_resume() -> None:
        qtbot.waitUntil(lambda: len(window.curves.emotions) >= 1, timeout=30_000)
        window.act_pause.trigger()
        assert window.state == "paused" and window.pause_btn.text() == window.tr("Resume")
        marks["paused_at"] = time.monotonic()
        marks["ad_at_pause"] = window.clock.ad_ms_at(time.monotonic())
        qtbot.wait(1500)
        marks["ad_before_resume"] = window.clock.ad_ms_at(time.monotonic())
        marks["resumed_at"] = time.monotonic()
        window.act_pause.trigger()
        assert window.state == "running"

    outcome = run_screening(qtbot, window, during=pause_and_resume)
    # The clock froze during the 1.5 s pause (a late position report may nudge it by a frame).
    assert marks["ad_before_resume"] == pytest.approx(marks["ad_at_pause"], abs=100.0), "ad time ran while paused"
    session = assert_complete_session(outcome.folder)
    assert_curves_match_timeline(window, session)
    ad = session.timeline.ad_ms[_frames(session.timeline)]
    assert np.all(np.diff(ad) >= 0)
    # Frames captured while paused would all carry the frozen ad time; none was recorded.
    frozen = (ad >= min(marks["ad_at_pause"], marks["ad_before_resume"]) - 1.0) & (
        ad <= max(marks["ad_at_pause"], marks["ad_before_resume"]) + 1.0
    )
    assert frozen.sum() <= 1, f"{frozen.sum()} results stamped while paused"
    assert (ad > marks["ad_before_resume"]).any(), "nothing was recorded after resuming"
    # After resuming the clock continued from the paused position: it never counted the pause.
    assert ad.max() < marks["ad_at_pause"] + (time.monotonic() - marks["resumed_at"]) * 1000.0 + 200.0


def test_report_actions_build_real_reports(make_window, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Stop offers the session report; File > Study builds one from a folder of sessions."""
    from PySide6.QtGui import QDesktopServices

    from emolab.analysis import analyze_video
    from emolab.demo import make_demo_ad, make_demo_camera
    from emolab.gui.worker import SessionOutcome
    from emolab.settings import Settings

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=2.0)
    camera = make_demo_camera(tmp_path / "cam.mp4", seconds=2.0, fps=5.0)
    sessions = tmp_path / "sessions"
    settings = Settings(sessions_dir=sessions)
    session, _ = analyze_video(ad, camera, settings, out=sessions / "s1")
    window = make_window(show=False)
    window.last_outcome = SessionOutcome(session, "complete", "")
    window.open_report()
    window.open_study(sessions)
    assert opened == [str(session / "report.html"), str(sessions / "study.html")]
    assert 'id="emolab-data"' in (session / "report.html").read_text(encoding="utf-8")
    assert (sessions / "study.html").stat().st_size > 1000

    window.open_study(tmp_path / "nothing-here")
    assert window.message.kind in ("warning", "error") and "no emolab session" in window.message.label.text()
    assert len(opened) == 2

    # No browser or file manager: say where the file is, and offer to copy its path.
    from PySide6.QtGui import QGuiApplication

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    for action, path in ((window.open_report, session / "report.html"), (window.open_folder, session)):
        action()
        assert window.message.kind == "warning" and str(path) in window.message.label.text()
        (copy,) = [b for b in window.message.buttons() if b.text() == "Copy path"]
        copy.click()
        assert QGuiApplication.clipboard().text() == str(path)
        assert window.message.kind == "info" and str(path) in window.message.label.text()


def test_russian_translation_is_shipped() -> None:
    from PySide6.QtCore import QCoreApplication, QTranslator

    from emolab.gui.i18n import i18n_dir

    for lang in ("en", "ru"):
        assert (i18n_dir() / f"emolab_{lang}.ts").is_file() and (i18n_dir() / f"emolab_{lang}.qm").is_file()
    translator = QTranslator()
    assert translator.load("emolab_ru", str(i18n_dir()))
    assert translator.translate("MainWindow", "Start") == "Старт"
    assert translator.translate("Emotions", "happy") == "радость"
    assert QCoreApplication is not None


# ---- with ../shared --------------------------------------------------------------------------------


@pytest.mark.shared
def test_screening_single_face_against_real_ad(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    camera = shared_file(VIDEOS / "single_face.mp4")
    ad = shared_file(VIDEOS / "DogDog8.mp4")
    window = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(camera),
        "--respondent",
        "R001",
        "--consent",
        "--autostart",
        "--stop-after",
        "4",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    outcome = run_screening(qtbot, window)
    assert outcome.status == "stopped" and outcome.reason == "stop-after time reached"
    session = assert_complete_session(outcome.folder)
    assert session.meta["respondent"] == "R001" and session.meta["ad"]["file"] == "DogDog8.mp4"
    assert session.meta["consent"] == {"given": True, "recorded_by": "command line"}
    assert session.meta["models"]["detector"]["name"] and session.meta["status"] == "stopped"
    assert_curves_match_timeline(window, session)
    tl = session.timeline
    assert set(tl.phase) == {"ad"} and tl.has_face.mean() > 0.5
    # Ad time is the ad's playback position, not a frame number: within the ~4 s shown.
    assert 0.0 <= tl.ad_ms.min() and tl.ad_ms.max() < 6000.0
    assert np.all(np.diff(tl.ad_ms[_frames(tl)]) > 0)
    assert session.summary["frames"] == len(_frames(tl))
    assert "fps" in window.fps_label.text() and "%" in window.face_label.text()
    assert "mtcnn" in window.models_label.text() or "detector" in window.models_label.text()


@pytest.mark.shared
def test_camera_lost_mid_session_saves_what_was_recorded(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    """single_face.mp4 lasts 2.4 s; with --no-loop its end is a camera that disappears."""
    camera = shared_file(VIDEOS / "single_face.mp4")
    ad = shared_file(VIDEOS / "big_buck_bunny.mp4")
    window = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(camera),
        "--no-loop",
        "--respondent",
        "R002",
        "--consent",
        "--autostart",
        "--stop-after",
        "20",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    window.options.quit_when_done = False  # a marketer's window stays open after a failure
    outcome = run_screening(qtbot, window)
    assert outcome.status == "failed" and "camera stopped" in outcome.reason.lower()
    session = assert_complete_session(outcome.folder)
    assert session.meta["status"] == "failed" and session.meta["end_reason"] == outcome.reason
    assert_curves_match_timeline(window, session)
    assert window.isVisible() and window.state == "idle" and window.message.kind == "error"
    assert "saved" in window.message.label.text()
    # The app is still usable: another screening can start.
    assert window.start_btn.isEnabled()


def test_cli_parses_kiosk_options() -> None:
    from emolab.cli.gui import window_options
    from emolab.cli.main import build_parser

    args = build_parser().parse_args(
        [
            "gui",
            "--ad",
            "a.mp4",
            "--camera",
            "1",
            "--respondent",
            "R9",
            "--consent",
            "--autostart",
            "--stop-after",
            "5",
            "--sessions-dir",
            "/tmp/x",
            "--lang",
            "ru",
        ]
    )
    settings, options = window_options(args)
    assert (options.ad, options.camera, options.respondent, options.autostart) == ("a.mp4", "1", "R9", True)
    assert options.stop_after_s == 5.0 and options.quit_when_done and str(settings.sessions_dir) == "/tmp/x"
    # The README's kiosk command has no --consent: starting unattended is the operator's consent.
    kiosk = build_parser().parse_args(["gui", "--ad", "a.mp4", "--camera", "0", "--respondent", "R", "--autostart"])
    assert window_options(kiosk)[1].consent
    assert not window_options(build_parser().parse_args(["gui"]))[1].consent
    assert args.func.__module__ == "emolab.cli.gui"


def test_model_error_reaches_the_window_and_the_app_stays_up(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    window = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(ad),
        "--respondent",
        "E1",
        "--consent",
        "--classifier",
        str(tmp_path / "missing_model.onnx"),
        "--autostart",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    outcome = run_screening(qtbot, window)
    assert outcome.folder is None and outcome.status == "failed"
    assert window.message.kind == "error" and "missing_model.onnx" in window.message.label.text()
    assert window.state == "idle" and window.isVisible() and window.thread is None


def test_full_screen_moves_the_ad_to_its_own_window_and_back(make_window) -> None:  # noqa: ANN001
    window = make_window()
    pane = window.ad_player.pane
    window.act_fullscreen.trigger()
    assert window._fullscreen is not None and pane.window() is window._fullscreen
    assert window._fullscreen.isVisible()
    window.act_fullscreen.trigger()
    assert window._fullscreen is None and pane.window() is window


def test_choices_are_remembered_between_runs(make_window, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    first = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(ad),
        "--calibration",
        "3",
        "--sessions-dir",
        str(tmp_path / "sessions"),
        show=False,
    )
    first.close()
    second = make_window(show=False)  # same settings file, no command-line choices
    assert second.setup.ad_path == str(ad.resolve()) and second.setup.camera_spec() == str(ad.resolve())
    # The field shows the file name (a long path would hide it); the tooltip has the full path.
    assert second.setup.ad_edit.text() == "ad.mp4" and second.setup.ad_edit.toolTip() == str(ad.resolve())
    assert second.setup.calibration_spin.value() == 3 and second.setup.sessions_edit.text() == str(
        tmp_path / "sessions"
    )
    assert second.recent == [str(ad.resolve())]
    assert not second.setup.consent_check.isChecked(), "consent is asked for every respondent"


def test_kiosk_command_runs_a_screening_and_quits(tmp_path) -> None:
    """``emolab gui --demo --autostart --stop-after`` as a user types it: window, session, exit 0."""
    import os

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    cmd = [
        sys.executable,
        "-m",
        "emolab",
        "gui",
        "--demo",
        "--demo-folder",
        str(tmp_path / "demo"),
        "--autostart",
        "--stop-after",
        "2",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=150)
    assert done.returncode == 0, done.stderr[-2000:]
    (folder,) = (tmp_path / "demo" / "sessions").iterdir()
    assert_complete_session(folder)


def test_stop_while_models_load_leaves_no_session(make_window, qtbot, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=2.0)
    window = make_window(
        "--ad",
        str(ad),
        "--camera",
        str(ad),
        "--respondent",
        "C1",
        "--consent",
        "--sessions-dir",
        str(tmp_path / "sessions"),
    )
    with qtbot.waitSignal(window.screeningFinished, timeout=SCREENING_TIMEOUT_MS) as blocker:
        assert window.start() and window.state == "loading"
        window.act_stop.trigger()
    assert blocker.args[0].status == "cancelled" and blocker.args[0].folder is None
    assert window.state == "idle" and not window.ad_player.active
    assert not any((tmp_path / "sessions").glob("*/session.json"))


def test_uncaught_errors_are_logged_and_shown(qtbot, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import logging
    import threading

    from PySide6.QtWidgets import QApplication, QMessageBox

    from emolab.gui import app as gui_app

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    reporter = gui_app.install_error_hooks()
    try:
        worker = threading.Thread(target=lambda: 1 / 0, name="boom")
        worker.start()
        worker.join()
        qtbot.waitUntil(
            lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
            timeout=5000,
        )
        reporter.handler.flush()
        assert "ZeroDivisionError" in gui_app.log_file().read_text()
    finally:
        logging.getLogger().removeHandler(reporter.handler)
        reporter.handler.close()
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox):
                w.close()


def test_pausing_the_calibration_freezes_its_countdown(qtbot) -> None:  # noqa: ANN001
    from emolab.adclock import AdClock
    from emolab.gui.ad_player import AdPlayer

    clock = AdClock()
    player = AdPlayer(clock)
    qtbot.addWidget(player.pane)
    try:
        player.start(calibration_s=1.0)
        assert player.state == "calibration" and clock.ad_ms_at(time.monotonic()) < 0
        qtbot.wait(200)
        player.pause()
        frozen = clock.ad_ms_at(time.monotonic())
        qtbot.wait(1200)  # longer than the calibration: it must not end while paused
        assert player.state == "calibration" and clock.ad_ms_at(time.monotonic()) == frozen
        player.resume()
        qtbot.waitUntil(lambda: player.state == "ad", timeout=3000)
        assert clock.ad_ms_at(time.monotonic()) >= 0
    finally:
        player.stop()
        player.close()


def test_dropping_a_video_opens_it_as_the_ad(make_window, tmp_path) -> None:  # noqa: ANN001
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "dropped.mp4", seconds=1.0)
    window = make_window(show=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ad))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)
    assert window.setup.ad_path == str(ad.resolve()) and window.recent[0] == str(ad.resolve())
    assert window.setup.ad_edit.text() == "dropped.mp4"


def test_results_only_fill_buffers_and_the_timer_draws(qtbot, monkeypatch) -> None:  # noqa: ANN001
    """Many results between two redraws cost one setData per curve, on the GUI thread's timer."""
    from emolab.gui.plots import EmotionCurves, RingBuffer

    curves = EmotionCurves(lambda: 1500.0, capacity=100)
    qtbot.addWidget(curves)
    calls = []
    for line in [*curves.emotion_lines.values(), *curves.group_lines.values(), curves.attention_line]:
        monkeypatch.setattr(line, "setData", lambda *a, **k: calls.append(len(a[0])))
    rng = np.random.default_rng(0)
    for i in range(250):  # more than the capacity: the buffer wraps, nothing grows
        faces = [rng.dirichlet(np.ones(7))] if i % 10 else []
        curves.add(i * 33.0, faces, [i % 4 != 0] * len(faces))
    assert calls == []
    curves.start()
    qtbot.waitUntil(lambda: len(calls) == 11, timeout=2000)
    curves.stop()
    assert set(calls) == {100} and all(h.value() == 1.5 for h in curves.playheads) and len(curves.playheads) == 3
    t, v = curves.emotions.data()
    np.testing.assert_allclose(t, np.arange(150, 250) * 0.033)
    assert np.isnan(v[t == 160 * 0.033]).all() and np.allclose(v[~np.isnan(v[:, 0])].sum(axis=1), 1.0)
    # Attention: 1 looking, 0 looking away or no face (every 10th frame).
    t, a = curves.attention.data()
    frames = np.arange(150, 250)
    np.testing.assert_array_equal(a[:, 0], np.where((frames % 10 == 0) | (frames % 4 == 0), 0.0, 1.0))
    curves.add(9000.0, [rng.dirichlet(np.ones(7))] * 2, [True, None])
    curves.add(9033.0, [rng.dirichlet(np.ones(7))], [None])  # pose unknown: not attentive, as in the summary
    curves.add(9066.0, [rng.dirichlet(np.ones(7))])  # a detector without landmarks: attention unknown
    assert curves.attention.data()[1][-3:-1, 0].tolist() == [0.5, 0.0] and np.isnan(curves.attention.data()[1][-1, 0])

    ring = RingBuffer(3, 1)
    for i in range(5):
        ring.append(float(i), np.array([i]))
    assert ring.data()[0].tolist() == [2.0, 3.0, 4.0] and len(ring) == 3


def test_camera_file_is_stored_absolute_like_the_ad(make_window, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Relative paths on the command line are remembered as absolute ones (both of them)."""
    from emolab.demo import make_demo_ad

    make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    make_demo_ad(tmp_path / "cam.mp4", seconds=1.0)
    monkeypatch.chdir(tmp_path)
    first = make_window("--ad", "ad.mp4", "--camera", "cam.mp4", show=False)
    assert first.setup.ad_path == str((tmp_path / "ad.mp4").resolve())
    assert first.setup.camera_spec() == str((tmp_path / "cam.mp4").resolve())
    assert first.setup.plan().camera == first.setup.camera_spec()
    first.close()
    monkeypatch.chdir(REPO)
    second = make_window(show=False)
    assert second.setup.camera_spec() == str((tmp_path / "cam.mp4").resolve())
    assert second.setup.camera_combo.currentText() == "cam.mp4"


def test_window_and_reports_share_one_palette(make_window) -> None:  # noqa: ANN001
    from emolab.palette import EMOTION_COLORS, GROUP_COLORS

    window = make_window(show=False)
    for e, line in window.curves.emotion_lines.items():
        assert line.opts["pen"].color().name() == EMOTION_COLORS[e]
    for g, line in window.curves.group_lines.items():
        assert line.opts["pen"].color().name() == GROUP_COLORS[g]


def test_recent_button_leaves_room_for_its_arrow(make_window, tmp_path) -> None:  # noqa: ANN001
    from PySide6.QtGui import QFontMetrics

    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    window = make_window("--ad", str(ad))
    button = window.setup.recent_menu_btn
    assert button.menu() is window.setup.recent_menu and button.isEnabled()
    text_width = QFontMetrics(button.font()).horizontalAdvance(button.text())
    # (A tool button with an instant-popup menu drew its arrow over the text: 17 px to spare.)
    assert button.width() >= text_width + 30, "text and menu arrow each get their own room"


def test_the_window_refuses_an_unwritable_sessions_folder_before_loading_models(make_window, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad, make_demo_camera

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=1.0)
    cam = make_demo_camera(tmp_path / "cam.mp4", seconds=1.0, fps=5.0)
    window = make_window("--ad", str(ad), "--camera", str(cam), "--respondent", "R", "--consent")
    window.setup.sessions_edit.setText("/proc/x/sessions")  # no folder can be made there, even by root
    assert window.start() is False
    assert window.worker is None and window.state == "idle", "the screening started"
    text = window.message.label.text()
    assert window.message.kind == "error" and "/proc/x/sessions" in text and "Save sessions in" in text


def test_the_sessions_folder_field_shows_the_end_of_a_long_path(make_window, tmp_path, qtbot) -> None:  # noqa: ANN001
    """The start of a long path is the same for every study; its end says where sessions go."""
    long = str(tmp_path / ("a-long-folder-name-" * 6) / "study-of-the-spring-campaign" / "sessions")
    window = make_window("--sessions-dir", long)
    field = window.setup.sessions_edit
    qtbot.waitExposed(window)
    assert field.text() == long and field.toolTip() == long
    assert field.fontMetrics().horizontalAdvance(long) > field.width(), "the path fits: nothing to check"

    def end_visible() -> bool:
        field.grab()  # paints it, as the screen would: the line edit scrolls to its cursor when painted
        return field.cursorPosition() == len(long) and field.rect().contains(field.cursorRect().center())

    assert end_visible()
    # Edited at its start, then left: the field shows the end again.
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.setCursorPosition(0)
    assert not end_visible()
    window.setup.respondent_edit.setFocus()
    qtbot.waitUntil(lambda: not field.hasFocus())
    assert end_visible()
    window.resize(window.width() - 200, window.height())
    qtbot.waitUntil(end_visible)
