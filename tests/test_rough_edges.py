"""Rough edges a new user hit: a closed pipe, a bogus model setting, no display, one palette,
the reaction delay, and the model inventory the window and the command share."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from emolab.cli.main import main
from emolab.emotions import EMOTIONS, GROUP_KEYS, GROUPS, SERIES
from emolab.errors import SettingsError
from emolab.media import AdInfo
from emolab.palette import EMOTION_COLORS, GROUP_COLORS, SERIES_COLORS
from emolab.pipeline import FaceResult, FrameResult
from emolab.report.series import FrameCurves, key_moments
from emolab.session import SessionWriter
from emolab.settings import Settings
from tests.conftest import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def session(tmp_path_factory):  # noqa: ANN001, ANN201
    """A small session with a long summary (so its JSON fills more than one pipe read)."""
    folder = tmp_path_factory.mktemp("edges") / "s"
    ad = AdInfo("ad.mp4", "/nowhere/ad.mp4", 10, "0" * 64, 3000.0, 10.0, 64, 48, 30)
    writer = SessionWriter.create(folder.parent, "r", ad, {"kind": "test"}, {}, {}, folder=folder)
    p = np.full(7, 0.02, np.float32)
    p[3] = 0.88
    for i in range(11):
        faces = tuple(
            FaceResult(viewer_id=v, box=(1.0, 1.0, 9.0, 9.0), score=0.9, probs=p, smoothed=p) for v in range(1, 320)
        )
        writer.write(FrameResult(i, i * 100.0, time.monotonic(), (64, 48), faces, {}), i * 300.0)
    writer.close()
    return folder


def test_summary_into_a_closed_pipe_is_quiet(session):
    """``emolab summary DIR | head -1``: the first line, and no BrokenPipeError traceback."""
    assert len((session / "summary.json").read_text()) > 70_000, "more than a pipe buffer"
    done = subprocess.run(
        f"'{sys.executable}' -m emolab summary '{session}' | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert done.stdout == "{\n"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_a_broken_pipe_that_is_not_stdout_is_an_error(tmp_path):
    """Only a closed stdout ends quietly; a pipe broken elsewhere (a worker gone) shows its traceback."""
    code = (
        "import sys, emolab.cli.summary as summary\n"
        "def run(args):\n"
        "    raise BrokenPipeError(32, 'Broken pipe')  # as a worker process's pipe would\n"
        "summary.run = run\n"
        "from emolab.cli.main import main\n"
        f"sys.exit(main(['summary', {str(tmp_path)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 1 and "BrokenPipeError" in done.stderr, (done.returncode, done.stderr)


def test_bogus_detector_setting_is_a_clear_error():
    done = subprocess.run(
        [sys.executable, "-m", "emolab", "models"],
        capture_output=True,
        text=True,
        env={**ENV, "EMOLAB_DETECTOR": "bogus"},
        timeout=120,
    )
    assert done.returncode == 2
    assert "emolab: error: EMOLAB_DETECTOR=bogus: unknown face detector 'bogus'; choose auto" in done.stderr
    assert "selected: None" not in done.stdout and "selected: none (see the error below)" in done.stdout
    assert "mtcnn" in done.stdout, "the models one can choose are still listed"


def test_models_command_and_window_share_the_engines_inventory(capsys):
    pytest.importorskip("PySide6")
    from emolab.gui.actions import model_choices
    from emolab.inventory import model_inventory

    settings = Settings()
    inv = model_inventory(settings)
    assert main(["models", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(inv))
    choices, errors = model_choices(settings)
    assert errors == []
    for task in ("detector", "classifier"):
        usable = [m["name"] for m in inv[task + "s"] if m["available"]]
        assert [spec for _, spec in choices[task]] == ["auto", *usable]
        assert inv["selected"][task]["name"] in choices[task][0][0]
    _, errors = model_choices(settings.replace(detector="bogus"))
    assert errors and "unknown face detector 'bogus'" in errors[0]
    import emolab.cli.models as cli_models

    assert not hasattr(cli_models, "model_inventory"), "the inventory lives in the engine, not the command"


def test_gui_without_a_display_says_what_to_do(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    assert main(["gui", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "no screen" in err and "bash scripts/run.sh demo" in err and "xvfb-run" in err


#: Arguments to run.sh / emolab, and whether they open the window.
WINDOW_OR_NOT = [
    ([], True),
    (["-v"], True),
    (["--demo"], True),
    (["-v", "--demo"], True),
    (["gui", "--demo"], True),
    (["demo"], False),
    (["-v", "demo"], False),
    (["summary", "DIR"], False),
    (["--help"], False),
    (["gui", "--help"], False),
    (["--version"], False),
]


@pytest.mark.parametrize(("argv", "window"), WINDOW_OR_NOT)
def test_run_sh_looks_for_a_screen_exactly_when_emolab_would_open_the_window(tmp_path, argv, window, capsys):
    """run.sh says there is no screen before setting up, and only when emolab would open the window."""
    from emolab.cli.main import build_parser, with_default_command

    try:
        opens = build_parser().parse_args(with_default_command(argv)).command == "gui"
    except SystemExit:  # help or version printed
        opens = False
    capsys.readouterr()
    assert opens == window, "emolab's own rule"

    # A copy of run.sh beside a stand-in set-up that leaves a mark (the real one must not run here).
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run.sh").write_bytes((REPO / "scripts" / "run.sh").read_bytes())
    (tmp_path / "scripts" / "setup.sh").write_text('touch "$(dirname "$0")/../SETUP-RAN"; exit 97\n')
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run(["bash", "scripts/run.sh", *argv], cwd=tmp_path, capture_output=True, text=True, env=env)
    if window:
        assert done.returncode == 2 and done.stderr.startswith("run.sh: there is no screen"), done.stderr
        assert "bash scripts/run.sh demo" in done.stderr and "xvfb-run -a bash scripts/run.sh" in done.stderr
        assert not (tmp_path / "SETUP-RAN").exists(), "the screen is looked for before setting up"
    else:
        assert done.returncode == 97 and (tmp_path / "SETUP-RAN").exists(), done.stderr
        assert "no screen" not in done.stderr


def test_one_palette_for_window_and_reports():
    assert set(EMOTION_COLORS) == set(EMOTIONS) and set(GROUP_COLORS) == set(GROUPS)
    assert set(SERIES_COLORS) == set(SERIES) and len(set(EMOTION_COLORS.values())) == len(EMOTIONS)
    assert GROUP_COLORS["neutral"] == EMOTION_COLORS["neutral"], "the neutral group is the neutral emotion"
    for g, key in zip(GROUPS, GROUP_KEYS):
        assert SERIES_COLORS[key] == GROUP_COLORS[g]
    # No other module keeps colours of its own for emotions.
    for path in (REPO / "emolab").rglob("*.py"):
        if path.name != "palette.py":
            text = path.read_text(encoding="utf-8")
            assert EMOTION_COLORS["happy"] not in text and '"happy": "#' not in text, path


def test_reaction_delay_maps_a_peak_to_an_earlier_ad_frame():
    t = np.arange(0.0, 5.0, 0.1)
    happy = np.exp(-((t - 3.0) ** 2) / 0.05)  # peaks at 3.0 s
    smoothed = np.zeros((len(t), len(SERIES)))
    smoothed[:, SERIES.index("happy")] = happy
    curves = FrameCurves(t_s=t, smoothed=smoothed, raw=smoothed)
    (moment,) = key_moments(curves, 5000.0, reaction_delay_s=0.5)["happy"][:1]
    assert moment["ad_ms"] == pytest.approx(3000.0) and moment["cause_ms"] == pytest.approx(2500.0)
    assert key_moments(curves, 5000.0, reaction_delay_s=4.0)["happy"][0]["cause_ms"] == 0.0, "never before the ad"
    assert Settings().reaction_delay_s == 0.5
    assert Settings.load(environ={"EMOLAB_REACTION_DELAY_S": "0.3"}).reaction_delay_s == 0.3
    with pytest.raises(SettingsError, match="reaction_delay_s must be between 0 and 3"):
        Settings(reaction_delay_s=-0.1)


def test_without_a_screen_or_xvfb_run_run_sh_says_to_set_up_first(tmp_path):
    """A fresh clone has no xvfb-run until scripts/setup.sh has run: the hint must not point at nothing."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run.sh").write_bytes((REPO / "scripts" / "run.sh").read_bytes())
    (tmp_path / "scripts" / "setup.sh").write_text('touch "$(dirname "$0")/../SETUP-RAN"; exit 97\n')
    bin_dir = tmp_path / "bin"  # the tools run.sh needs, and no xvfb-run
    bin_dir.mkdir()
    for tool in ("bash", "uname", "cat", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    done = subprocess.run(
        ["bash", "scripts/run.sh"], cwd=tmp_path, capture_output=True, text=True, env={"PATH": str(bin_dir)}
    )
    assert done.returncode == 2 and "xvfb-run -a bash scripts/run.sh" in done.stderr
    assert "xvfb-run is not installed yet" in done.stderr and "bash scripts/setup.sh" in done.stderr
    assert not (tmp_path / "SETUP-RAN").exists()
    # emolab itself says the same.
    from emolab.cli.gui import no_display_message

    assert "run 'bash scripts/setup.sh' once first" in no_display_message(installed=False, has_xvfb_run=False)
    assert "apt-get install xvfb" in no_display_message(installed=True, has_xvfb_run=False)
    assert "not installed" not in no_display_message(installed=False, has_xvfb_run=True)
