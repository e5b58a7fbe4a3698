"""``emolab bench``: emolab 0.1's engine and today's, side by side, on real frames."""

from __future__ import annotations

import re

from emolab.cli.main import main
from tests.conftest import VIDEOS, need_shared


def test_bench_prints_both_engines_and_the_ratio(capsys):
    video = need_shared(VIDEOS / "single_face.mp4")
    assert main(["bench", "--video", str(video), "--frames", "12"]) == 0
    out = capsys.readouterr().out
    for section in ("640x360", "1280x720 2x2 mosaic"):
        assert section in out
    rows = re.findall(r"^(0\.1 \(torch, detect all\)|now)\s+([\d.]+)\s+([\d.]+)", out, flags=re.M)
    assert [name for name, *_ in rows] == ["0.1 (torch, detect all)", "now"] * 2, out
    assert len(re.findall(r"speed-up: [\d.]+x fps", out)) == 2
    # The mosaic has four faces: both engines find them (faces per frame column).
    mosaic = out.split("1280x720 2x2 mosaic")[1]
    assert all(float(f) >= 3.9 for f in re.findall(r"^(?:0\.1.*?|now)\s+(?:[\d.]+\s+){6}([\d.]+)", mosaic, flags=re.M))


def test_bench_pairs_times_every_installed_pair_at_both_sizes(capsys):
    video = need_shared(VIDEOS / "single_face.mp4")
    assert main(["bench", "--video", str(video), "--frames", "6", "--pairs"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^(\S+)\s+(\S+)\s+(640x360|1920x1080)\s+([\d.]+)\s+([\d.]+)", out, flags=re.M)
    pairs = {(det, clf) for det, clf, *_ in rows}
    assert ("mtcnn", "emolab-fer-cnn") in pairs, out
    assert sorted(size for *_, size, _, _ in rows) == sorted(["640x360", "1920x1080"] * len(pairs))
    # The default pair finds and classifies the face: both stages take time.
    assert all(float(detect) > 0 and float(classify) > 0 for det, *_, detect, classify in rows if det == "mtcnn")
