"""Every command that writes says clearly when it cannot (exit 2, the folder, what to do), before any work.

A read-only file system is made for real (a read-only bind mount in a private mount namespace,
tests/mounts.py: ``chmod`` does not stop root); ``/proc/x`` is a place no folder can be made
in, on any Linux.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emolab.cli.main import main
from emolab.errors import OutputError
from emolab.outputs import check_writable
from tests.conftest import REPO
from tests.mounts import read_only

#: Runs commands in one interpreter (inside the mount namespace) and reports each one's exit code,
#: stderr, and whether it got as far as loading models.
RUN_COMMANDS = r"""
import contextlib, io, json, sys, traceback
import emolab.pipeline
from emolab.cli.main import main

loaded = []
original = emolab.pipeline.Pipeline.from_settings
emolab.pipeline.Pipeline.from_settings = classmethod(lambda cls, *a, **k: loaded.append(1) or original(*a, **k))
results = []
for argv in json.loads(sys.argv[1]):
    loaded.clear()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except BaseException:
            code, err = "traceback", io.StringIO(traceback.format_exc())
    results.append({"argv": argv, "code": code, "stderr": err.getvalue(), "loaded_models": bool(loaded)})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory, demo_clips) -> Path:  # noqa: ANN001
    """A real session (the demo clips analysed), to report on and rebuild."""
    ad, camera = demo_clips
    out = tmp_path_factory.mktemp("written") / "s1"
    assert main(["analyze", "--ad", str(ad), "--reaction", str(camera), "--out", str(out), "--no-progress"]) == 0
    return out


def writing_commands(ad: Path, camera: Path, session: Path, place: Path) -> dict[str, tuple[list[str], Path]]:
    """Each command that writes, writing under ``place``; and the folder its message must name."""
    return {
        "batch": (
            ["batch", "--ad", str(ad), "--reactions", str(camera.parent), "--out", str(place / "st")],
            place / "st",
        ),
        "analyze": (["analyze", "--ad", str(ad), "--reaction", str(camera), "--out", str(place / "s")], place / "s"),
        "analyze --sessions-dir": (
            ["analyze", "--ad", str(ad), "--reaction", str(camera), "--sessions-dir", str(place / "many")],
            place / "many",
        ),
        "report --out": (["report", str(session), "--out", str(place / "r.html")], place),
        "aggregate": (["aggregate", str(session), "--out", str(place / "st")], place / "st"),
        "demo": (["demo", "--folder", str(place / "demo")], place / "demo"),
        "gui --demo-folder": (["gui", "--demo", "--demo-folder", str(place / "demo")], place / "demo"),
    }


def test_check_writable_names_the_folder_and_leaves_nothing(tmp_path) -> None:  # noqa: ANN001
    assert check_writable(tmp_path / "new" / "deeper", "the study", "choose another") == tmp_path / "new" / "deeper"
    assert list(tmp_path.iterdir()) == [], "the check left something behind"
    with pytest.raises(OutputError, match=r"cannot write the study in /proc/x: no folder can be made there; pick"):
        check_writable("/proc/x", "the study", "pick another")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="part of the path is a file, not a folder"):
        check_writable(tmp_path / "file" / "sub", "the report", "pick another")


def test_commands_writing_where_no_folder_can_be_made_exit_2_before_any_work(session, demo_clips, capsys) -> None:  # noqa: ANN001
    ad, camera = demo_clips
    for name, (argv, place) in writing_commands(ad, camera, session, Path("/proc/x")).items():
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, f"{name}: exit {code}\n{err}"
        assert err.startswith("emolab: error: cannot write") and f"{place}: no folder can be made there" in err, err
        assert "Loading models" not in err and "Using detector" not in out, f"{name} worked before refusing"


def test_commands_on_a_read_only_file_system_exit_2_naming_the_folder(tmp_path, session, demo_clips) -> None:  # noqa: ANN001
    """As root, with the folder (and a session in it) mounted read-only, as a user's read-only share is."""
    ad, camera = demo_clips
    ro = tmp_path / "ro"
    ro.mkdir()
    shutil.copytree(session, ro / "session")
    commands = writing_commands(ad, camera, ro / "session", ro)
    commands["report (into the session)"] = (["report", str(ro / "session")], ro / "session")
    commands["summary --rebuild"] = (["summary", "--rebuild", str(ro / "session")], ro / "session")
    argvs = [argv for argv, _ in commands.values()]
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    argv = read_only(ro, [sys.executable, "-c", RUN_COMMANDS, json.dumps(argvs)])
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for (name, (_, place)), result in zip(commands.items(), results):
        assert result["code"] == 2, f"{name}: {result['code']}\n{result['stderr']}"
        err = result["stderr"]
        assert err.startswith("emolab: error: cannot write") and f"{place}: it is on a read-only file system" in err
        assert "choose" in err or "pick" in err or "write it elsewhere" in err or "copy" in err, err
        assert not result["loaded_models"], f"{name} loaded the models before refusing"
    assert sorted(p.name for p in ro.iterdir()) == ["session"], "something was written"
