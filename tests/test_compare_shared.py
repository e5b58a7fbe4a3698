"""Two studies built with ``emolab batch`` from the real videos in ../shared, compared and filed in the norms.

The ad is Big Buck Bunny (60 s, nine scenes) and a 24 s cut of it with its first two 12 s
halves swapped; the respondents are the shared face videos, analysed by the real engine.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy import stats

from emolab.cli.main import main
from emolab.norms.library import open_norms
from tests.conftest import VIDEOS, need_shared, read_frames, subsample, write_video

pytestmark = pytest.mark.shared


def welch(x: np.ndarray, y: np.ndarray, axis: int = 0) -> np.ndarray:
    return stats.ttest_ind(y, x, equal_var=False, axis=axis).statistic


def swapped_cut(src: Path, dst: Path, seconds: float = 24.0) -> Path:
    """The first ``seconds`` of ``src`` with its two halves swapped (another cut of the same scenes)."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while len(frames) < int(seconds * fps):
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    half = len(frames) // 2
    return write_video(dst, frames[half:] + frames[:half], fps)


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> dict:  # noqa: ANN001
    work = tmp_path_factory.mktemp("shared_compare")
    ad_a = need_shared(VIDEOS / "big_buck_bunny.mp4")
    ad_b = swapped_cut(ad_a, work / "bbb_cut.mp4")
    smile = read_frames(subsample(need_shared(VIDEOS / "single_face.mp4"), work / "smile.mp4", 3))
    clips = work / "clips"
    clips.mkdir()
    write_video(clips / "smile_long.mp4", (smile + smile[::-1]) * 3, 10.0)
    write_video(clips / "smile_back.mp4", (smile[::-1] + smile) * 2, 10.0)
    subsample(need_shared(VIDEOS / "face_noface.mov"), clips / "leaves.mp4", 4)
    subsample(need_shared(VIDEOS / "noface_face.mov"), clips / "arrives.mp4", 4)
    db = work / "norms.sqlite"
    out = {"work": work, "db": db}
    for name, ad, rows in (
        ("A", ad_a, [("smile_long.mp4", "A1", 0), ("leaves.mp4", "A2", -5), ("arrives.mp4", "A3", -10)]),
        ("B", ad_b, [("smile_back.mp4", "B1", 0), ("arrives.mp4", "B2", -3), ("smile_long.mp4", "B3", -8)]),
    ):
        manifest = work / f"panel_{name}.csv"
        with open(manifest, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "respondent", "offset_s"])
            w.writerows([(f"clips/{f}", r, o) for f, r, o in rows])
        study = work / f"study_{name}"
        argv = ["batch", "--ad", str(ad), "--reactions", str(manifest), "--out", str(study), "--workers", "2"]
        argv += ["--no-progress", "--db", str(db), "--category", "animation"]
        if name == "A":
            argv.append("--add-to-norms")
        code = main(argv)
        assert code == 0, f"batch {name} failed"
        out[name] = study
    return out


def test_batch_files_its_study_in_the_norms(batches, capsys):
    with open_norms(batches["db"]) as norms:
        (record,) = norms.records()
    assert record.study == "study_A" and record.category == "animation" and record.respondents == 3
    assert record.ad_file == "big_buck_bunny.mp4"
    # The batch run again (nothing to redo) recognises the study already filed.
    argv = ["batch", "--ad", str(VIDEOS / "big_buck_bunny.mp4"), "--reactions", str(batches["work"] / "panel_A.csv")]
    argv += ["--out", str(batches["A"]), "--no-progress", "--db", str(batches["db"]), "--add-to-norms"]
    assert main(argv) == 0
    assert f"Already in the norms: #{record.id} study_A" in capsys.readouterr().out


def test_two_batched_studies_compared_with_scipy_numbers(batches, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(batches["A"]), str(batches["B"]), "--out", str(out), "--db", str(batches["db"])])
    assert code == 0
    data = json.loads((out / "compare.json").read_text())
    assert [v["respondents"] for v in data["variants"]] == [3, 3]
    eei = {
        k: np.array(
            [json.loads((f / "summary.json").read_text())["eei"] for f in sorted((batches[k] / "sessions").iterdir())]
        )
        for k in "AB"
    }
    k = data["kpis"]["eei"]
    assert k["values"]["study_A"] == pytest.approx(eei["A"].mean()) and k["values"]["study_B"] == pytest.approx(
        eei["B"].mean()
    )
    ref = stats.permutation_test(
        (eei["A"], eei["B"]), welch, permutation_type="independent", n_resamples=np.inf, vectorized=True
    )
    assert "exact, 20 arrangements" in k["test"] and k["p"] == pytest.approx(ref.pvalue, rel=1e-6)
    ci = stats.ttest_ind(eei["B"], eei["A"], equal_var=False).confidence_interval(0.95)
    assert k["ci95"] == pytest.approx([ci.low, ci.high], abs=1e-4)

    # Ad time: B runs 24 s of A's 60; the rest of A is left out, and said so.
    assert data["alignment"]["compared_seconds"] == 24 and len(data["seconds"]) == 24
    assert any("study_A's ad runs 60.0 s" in s for s in data["verdict"])
    # Seconds: q are Benjamini–Hochberg over every second tested; untestable seconds (no face) say so.
    ps = [r[s]["p"] for s in data["seconds_tested"] for r in data["seconds"] if r[s]["p"] is not None]
    qs = [r[s]["q"] for s in data["seconds_tested"] for r in data["seconds"] if r[s]["p"] is not None]
    assert ps and qs == pytest.approx(list(stats.false_discovery_control(ps, method="bh")), rel=1e-6)
    assert any(r["group_positive"]["p"] is None for r in data["seconds"]), "seconds without two faces per cut"
    # Scenes: B's two halves are A's first 24 s; the scenes they share are matched whatever their place.
    pairs = data["scenes"]["pairs"]
    assert pairs, data["scenes"]["notes"]
    for p in pairs:
        a, b = p["scene"]["study_A"], p["scene"]["study_B"]
        shift = (b["start_ms"] - a["start_ms"]) / 1000.0
        assert abs(abs(shift) - 12.0) < 1.0 or abs(shift) < 1.0, (a, b)
    # The norms: A is filed (its own entry left out), so both rank among... too few studies: hidden, said why.
    for name in ("study_A", "study_B"):
        assert not data["norms"][name]["shown"] and "too few" in data["norms"][name]["note"]
