"""The screening window as users see it: on a real X server (Xvfb, Qt's xcb platform), not offscreen.

Under X11 Qt's media player behaves differently from the offscreen platform the other GUI tests
use (it reports position 0 once the media has ended), which is how a false "covers only 0.1 s
of the ad" warning reached users. Each test runs a screening in a fresh process
(tests/xvfb_screening.py) on a private Xvfb display, acts on it like an operator, and checks
the session, the window's message, the charts, and a screenshot of the screen.

Xvfb comes with scripts/setup.sh (the xvfb package), so these run in CI; they skip, saying so,
only where Xvfb is not installed.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolab.session import load_session
from emolab.session.metrics import ad_time_shares, frame_starts
from tests.conftest import REPO

DEMO_AD_MS = 8000.0
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def display() -> str:
    """A private Xvfb display (``:N``), stopped after the module."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (scripts/setup.sh installs the xvfb package): no X server to test on")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30.0)
        number = os.read(read_fd, 32).decode().strip() if ready else ""
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        os.close(read_fd)
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:  # noqa: ANN001
    """What ``--demo`` makes, once for the module."""
    from emolab.demo import ensure_demo

    folder = tmp_path_factory.mktemp("demo")
    ensure_demo(folder)
    return folder


def x11_env(display: str, home: Path) -> dict[str, str]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO), HOME=str(home))
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_LOGGING_RULES", None)  # what a user's launch gets
    return env


def screening(display: str, out: Path, gui_args: list[str], *driver_args: str, wrap=None) -> dict:  # noqa: ANN001
    """Run tests/xvfb_screening.py on ``display``; its result.json."""
    argv = [sys.executable, "-m", "tests.xvfb_screening", "--out", str(out), *driver_args, "--", *gui_args]
    if wrap is not None:
        argv = wrap(argv)
    done = subprocess.run(
        argv, env=x11_env(display, out / "home"), capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=REPO
    )
    assert (out / "result.json").is_file(), f"the screening did not finish:\n{done.stderr[-3000:]}"
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert result["platform"] == "xcb"
    result["stderr"] = done.stderr
    return result


def frame_stamps(folder: Path) -> tuple[object, np.ndarray, np.ndarray]:
    """The session, and per processed frame its ad time and phase."""
    session = load_session(folder)
    tl = session.timeline
    starts = frame_starts(tl)
    return session, tl.ad_ms[starts], tl.phase[starts]


def assert_clock_monotonic_and_phases_right(ad_ms: np.ndarray, phase: np.ndarray, duration_ms: float) -> None:
    assert np.all(np.diff(ad_ms) >= 0), f"the ad clock went back: {ad_ms[np.flatnonzero(np.diff(ad_ms) < 0)]}"
    assert np.all((ad_ms[phase == "ad"] >= 0) & (ad_ms[phase == "ad"] < duration_ms))
    assert np.all(ad_ms[phase == "post"] >= duration_ms), "a frame after the ad's end was stamped as ad time"


def colourful_pixels(screenshot: str, rect: list[int]) -> int:
    """Pixels of a saturated colour (the curves; grid, axes and background are grey) in ``rect``.

    The rectangle grows by 3 pixels: a curve at 0 or 1 is drawn on the data area's edge.
    """
    image = cv2.imread(screenshot)
    assert image is not None, f"no screenshot at {screenshot}"
    x, y, w, h = rect
    crop = image[max(0, y - 3) : y + h + 3, max(0, x - 3) : x + w + 3].astype(np.int16)
    assert crop.size, f"the chart area {rect} is off the screen {image.shape}"
    return int(np.sum(crop.max(axis=2) - crop.min(axis=2) > 60))


def assert_charts_kept(result: dict, frames: int) -> None:
    """After the end the charts still hold and draw the whole screening, and the screen shows them."""
    charts = result["charts"]
    for kind in ("emotions", "groups"):
        for name, line in charts[kind].items():
            assert line["held"] == frames, f"{kind} {name}: {line['held']} points held, {frames} frames recorded"
            assert line["shown"] > 0, f"the {kind} chart is blank after the end ({name} draws nothing)"
    for rect in (charts["emotion_rect"], charts["group_rect"]):
        assert colourful_pixels(result["screenshot"], rect) > 150, f"no curve on the screen in {rect}"


def test_the_demo_plays_to_its_end_without_a_false_warning(display, demo_folder, tmp_path) -> None:  # noqa: ANN001
    result = screening(
        display,
        tmp_path,
        ["--demo", "--demo-folder", str(demo_folder), "--sessions-dir", str(tmp_path / "sessions"), "--autostart"],
    )
    outcome = result["outcome"]
    assert (outcome["status"], outcome["reason"]) == ("complete", "the ad ended")
    session, ad_ms, phase = frame_stamps(Path(outcome["folder"]))
    assert_clock_monotonic_and_phases_right(ad_ms, phase, DEMO_AD_MS)
    assert ad_ms[phase == "ad"].max() > DEMO_AD_MS - 600, "the screening did not reach the ad's end"
    coverage, _ = ad_time_shares(session.timeline, DEMO_AD_MS)
    assert coverage >= 0.9
    assert session.summary["warnings"] == [], session.summary["warnings"]
    # The window says the session is saved, with no warning, and keeps everything it showed.
    assert result["message"]["kind"] == "ok", result["message"]["text"]
    assert result["message"]["text"] == f"Session saved in {outcome['folder']}."
    assert result["curve_t_s"] == pytest.approx(list(ad_ms / 1000.0), abs=1e-6)
    assert_charts_kept(result, len(ad_ms))
    lo, hi = result["charts"]["x_range"]
    assert lo <= 0.0 and hi >= DEMO_AD_MS / 1000.0, "the charts no longer show the whole ad"
    assert result["last_preview_faces"] >= 1, "the camera pane does not show the respondent at the end"


def test_pause_and_resume_keep_the_ad_clock_monotonic(display, demo_folder, tmp_path) -> None:  # noqa: ANN001
    from emolab.demo import make_demo_ad

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=5.0)
    gui = ["--ad", str(ad), "--camera", str(demo_folder / "demo_camera.mp4"), "--respondent", "P1"]
    gui += ["--sessions-dir", str(tmp_path / "sessions"), "--autostart"]
    result = screening(display, tmp_path, gui, "--pause-at", "1.5", "--pause-for", "1.5")
    events = {e["event"]: e for e in result["events"]}
    assert events["paused"]["state"] == "paused" and events["resumed"]["state"] == "running"
    frozen = events["paused"]["ad_ms"]
    assert events["before resume"]["ad_ms"] == pytest.approx(frozen, abs=60.0), "ad time ran while paused"
    outcome = result["outcome"]
    assert outcome["status"] == "complete"
    session, ad_ms, phase = frame_stamps(Path(outcome["folder"]))
    assert_clock_monotonic_and_phases_right(ad_ms, phase, 5000.0)
    near_pause = np.abs(ad_ms - frozen) < 30.0
    assert near_pause.sum() <= 2, f"{near_pause.sum()} frames stamped with the paused ad time"
    assert (ad_ms > frozen + 1000.0).any(), "nothing was recorded after resuming"
    assert ad_time_shares(session.timeline, 5000.0)[0] >= 0.9, "the pause cost ad time"
    assert "partial_coverage" not in [w["code"] for w in session.summary["warnings"]]
    assert_charts_kept(result, len(ad_ms))


def test_stopping_mid_ad_saves_what_was_seen_and_says_how_much_then_the_next_starts_at_0(
    display, demo_folder, tmp_path
) -> None:  # noqa: ANN001
    gui = ["--demo", "--demo-folder", str(demo_folder), "--sessions-dir", str(tmp_path / "sessions"), "--autostart"]
    result = screening(display, tmp_path, gui, "--stop-at", "3", "--again-for", "1.5")
    outcome = result["outcome"]
    assert (outcome["status"], outcome["reason"]) == ("stopped", "stopped by the operator")
    stop_ms = next(e["ad_ms"] for e in result["events"] if e["event"] == "stop")
    # The next screening in the same window starts the ad, and its clock, from the beginning.
    _, again_ms, again_phase = frame_stamps(Path(result["second_outcome"]["folder"]))
    assert_clock_monotonic_and_phases_right(again_ms, again_phase, DEMO_AD_MS)
    assert again_ms[0] < 300.0 and again_ms[-1] < 2000.0, again_ms
    session, ad_ms, phase = frame_stamps(Path(outcome["folder"]))
    assert_clock_monotonic_and_phases_right(ad_ms, phase, DEMO_AD_MS)
    assert set(phase) == {"ad"} and ad_ms.max() <= stop_ms + 1.0
    # The warning states the ad time actually covered: about the 3 s played, not 0.1 s.
    (warning,) = [w for w in session.summary["warnings"] if w["code"] == "partial_coverage"]
    covered_s = float(warning["text"].split("covers only ")[1].split(" s")[0])
    assert covered_s == pytest.approx(stop_ms / 1000.0, abs=0.5)
    message = outcome["message"]
    assert message["kind"] == "warning" and warning["text"] in message["text"]
    said = re.match(r"Stopped at 0:(\d\d\.\d) of the 0:08\.0 ad\. Session saved in", message["text"])
    assert said and float(said.group(1)) == pytest.approx(stop_ms / 1000.0, abs=0.06), message["text"]
    assert float(said.group(1)) == pytest.approx(covered_s, abs=0.5)
    assert re.match(r"Stopped at 0:01\.\d of the 0:08\.0 ad\.", result["second_outcome"]["message"]["text"])
    assert_charts_kept(result, len(again_ms))  # the charts now show the second screening, whole


def camera_and_ad_screening(display: str, tmp_path: Path, ad_s: float, camera_s: float) -> tuple:
    """A screening of a generated ad and a camera stand-in that ends at its end (``--no-loop``)."""
    from emolab.demo import make_demo_ad, make_demo_camera

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=ad_s)
    cam = make_demo_camera(tmp_path / "cam.mp4", seconds=camera_s, fps=15.0, face_from_s=0.0)
    gui = ["--ad", str(ad), "--camera", str(cam), "--respondent", "P2", "--no-loop", "--autostart"]
    result = screening(display, tmp_path, [*gui, "--sessions-dir", str(tmp_path / "sessions")])
    session, ad_ms, phase = frame_stamps(Path(result["outcome"]["folder"]))
    assert_clock_monotonic_and_phases_right(ad_ms, phase, ad_s * 1000.0)
    assert_charts_kept(result, len(ad_ms))
    return result, session, ad_ms, phase


def test_a_camera_stand_in_ending_before_the_ad(display, tmp_path) -> None:  # noqa: ANN001
    result, session, ad_ms, _ = camera_and_ad_screening(display, tmp_path, ad_s=6.0, camera_s=2.5)
    outcome = result["outcome"]
    assert outcome["status"] == "failed" and outcome["reason"].startswith("camera stopped")
    assert 1500.0 < ad_ms.max() < 3500.0
    text = result["message"]["text"]
    assert result["message"]["kind"] == "error" and "ended early" in text and outcome["folder"] in text
    assert "partial_coverage" in [w["code"] for w in session.summary["warnings"]]


def test_an_ad_ending_before_the_camera(display, tmp_path) -> None:  # noqa: ANN001
    result, session, ad_ms, phase = camera_and_ad_screening(display, tmp_path, ad_s=3.0, camera_s=8.0)
    outcome = result["outcome"]
    assert (outcome["status"], outcome["reason"]) == ("complete", "the ad ended")
    assert ad_ms[phase == "ad"].max() > 3000.0 - 600
    assert session.summary["warnings"] == [], session.summary["warnings"]
    assert result["message"]["kind"] == "ok"
    assert result["last_preview_faces"] >= 1


def test_a_full_disk_during_a_live_screening_keeps_every_row(display, demo_folder, tmp_path) -> None:  # noqa: ANN001
    """A real tmpfs of 512 KiB, filled once the screening runs: the window says so, rows stay, it rebuilds."""
    from emolab.cli.main import main
    from tests.mounts import tiny_disk

    disk = tmp_path / "disk"
    disk.mkdir()
    gui = ["--demo", "--demo-folder", str(demo_folder), "--sessions-dir", str(disk / "sessions"), "--autostart"]
    result = screening(
        display,
        tmp_path,
        gui,
        "--fill-disk-leaving",
        "12",
        "--copy-session",
        wrap=lambda argv: tiny_disk(disk, 512, argv),
    )
    outcome = result["outcome"]
    assert outcome["status"] == "failed" and "the disk is full" in outcome["reason"], outcome["reason"]
    text = result["message"]["text"]
    assert result["message"]["kind"] == "error"
    assert "the disk is full" in text and "frames recorded until then are kept" in text and outcome["folder"] in text
    assert f"emolab summary --rebuild {outcome['folder']}" in text
    copy = Path(result["session_copy"])
    timeline = (copy / "timeline.csv").read_text(encoding="utf-8")
    assert timeline.endswith("\n"), "a row was cut in half"
    # Every frame the window received had been written first: all of them are in the timeline.
    session, ad_ms, _ = frame_stamps(copy)
    assert len(ad_ms) == len(result["curve_t_s"]) == outcome["frames"] > 5
    assert not (copy / "summary.json").exists()
    assert main(["summary", "--rebuild", str(copy)]) == 0
    rebuilt = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    assert rebuilt["frames"] == int(np.sum(session.timeline.phase[frame_starts(session.timeline)] == "ad"))


def test_the_command_line_window_prints_where_the_session_went_and_no_qt_noise(display, tmp_path) -> None:  # noqa: ANN001
    """``emolab gui --autostart --stop-after N`` as a kiosk runs it, on X11."""
    from emolab.demo import make_demo_ad, make_demo_camera

    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=2.0)
    cam = make_demo_camera(tmp_path / "cam.mp4", seconds=4.0, fps=15.0, face_from_s=0.0)
    sessions = tmp_path / "sessions"
    argv = [sys.executable, "-m", "emolab", "gui", "--ad", str(ad), "--camera", str(cam), "--respondent", "K1"]
    argv += ["--autostart", "--stop-after", "20", "--sessions-dir", str(sessions)]
    done = subprocess.run(
        argv, env=x11_env(display, tmp_path / "home"), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    (folder,) = sessions.iterdir()
    assert done.stdout.strip() == f"Session written to {folder}"
    for noise in ("PulseAudioService", "QStyleHints", "Input #0", "Using Qt multimedia with FFmpeg"):
        assert noise not in done.stderr, f"launch noise: {noise}"
    assert done.stderr == "", done.stderr
