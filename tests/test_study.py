"""Study reports: sessions of one ad combined; numbers checked against the timelines' CSV text."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from emolab.analysis import analyze_video
from emolab.cli.main import main
from emolab.demo import SCENES, make_demo_ad, make_demo_camera
from emolab.emotions import EMOTIONS, GROUP_OF, GROUPS, SERIES
from emolab.errors import SessionError
from emolab.media import read_frame_at
from emolab.report import build_study_report
from emolab.report.adframes import THUMB_SIDE, decode_data_uri
from emolab.report.html import read_data
from emolab.session.metrics import emonps_from_flags
from emolab.settings import Settings
from tests.conftest import VIDEOS, make_pipeline, subsample


@pytest.fixture(scope="module")
def study_inputs(tmp_path_factory) -> dict:  # noqa: ANN001
    """Three respondents (the astronaut, filmed at different offsets) watching the 4-scene demo ad,
    and one watching a different ad."""
    work = tmp_path_factory.mktemp("study")
    ad = make_demo_ad(work / "ads" / "demo_ad.mp4", seconds=4.0, fps=25.0)
    other_ad = make_demo_ad(work / "ads" / "other_ad.mp4", seconds=3.0, fps=25.0)
    cam = make_demo_camera(work / "cam.mp4", seconds=4.6, fps=5.0, face_from_s=0.0)
    settings = Settings(sessions_dir=work)
    pipeline = make_pipeline(settings)
    sessions = []
    for i, offset in enumerate((0.4, -0.5, 1.6), start=1):
        folder, _ = analyze_video(
            ad, cam, settings, out=work / "sessions" / f"R{i}", offset_s=offset, respondent=f"R{i}", pipeline=pipeline
        )
        sessions.append(folder)
    other, _ = analyze_video(other_ad, cam, settings, out=work / "other" / "X1", respondent="X1", pipeline=pipeline)
    return {"work": work, "ad": ad, "sessions": sessions, "other": other, "root": work / "sessions"}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


def read_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "timeline.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def images(page: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]


def expected_per_second(folders: list[Path], duration_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Mean, CI and share of respondents per second, recomputed from the CSV text alone."""
    n_sec = math.ceil(duration_s - 1e-9)
    names = SERIES
    per = np.full((len(folders), n_sec, len(names)), np.nan)
    dom = np.full((len(folders), n_sec), "", dtype=object)
    for r, folder in enumerate(folders):
        rows = [x for x in read_rows(folder) if x["phase"] == "ad" and x["viewer_id"] != ""]
        for s in range(n_sec):
            sel = [x for x in rows if min(int(float(x["ad_ms"]) // 1000), n_sec - 1) == s]
            if not sel:
                continue
            emo = np.array([[float(x[f"s_{e}"]) for e in EMOTIONS] for x in sel]).mean(axis=0)
            grp = [sum(emo[i] for i, e in enumerate(EMOTIONS) if GROUP_OF[e] == g) for g in GROUPS]
            per[r, s] = np.concatenate([emo, grp])
            counts = [sum(x["group"] == g for x in sel) for g in GROUPS]
            dom[r, s] = GROUPS[int(np.argmax(counts))]
    n = np.isfinite(per).sum(axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.array(
            [[np.nan if n[s, k] == 0 else np.nanmean(per[:, s, k]) for k in range(len(names))] for s in range(n_sec)]
        )
        sd = np.array(
            [
                [np.nanstd(per[:, s, k], ddof=1) if n[s, k] > 1 else np.nan for k in range(len(names))]
                for s in range(n_sec)
            ]
        )
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    with_face = (dom != "").sum(axis=0)
    share = {g: np.where(with_face > 0, (dom == g).sum(axis=0) / np.maximum(with_face, 1), np.nan) for g in GROUPS}
    return mean, mean - half, share, {"n": with_face}


def test_study_numbers_match_the_timelines(study_inputs, capsys):
    out = study_inputs["work"] / "out"
    before = {f: snapshot(f) for f in study_inputs["sessions"]}
    # A folder holding the sessions works like listing them.
    assert main(["aggregate", str(study_inputs["root"]), "--out", str(out)]) == 0
    assert "study.html" in capsys.readouterr().out
    assert {f: snapshot(f) for f in study_inputs["sessions"]} == before, "session files must not change"
    page = (out / "study.html").read_text(encoding="utf-8")
    data = read_data(page)
    assert data["n_respondents"] == 3 and [r["respondent"] for r in data["respondents"]] == ["R1", "R2", "R3"]
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|url\(", page)

    duration_s = data["ad"]["duration_ms"] / 1000.0
    mean, low, share, extra = expected_per_second(study_inputs["sessions"], duration_s)
    ps = data["per_second"]
    assert ps["seconds"] == list(range(len(mean)))
    for k, name in enumerate(SERIES):
        np.testing.assert_allclose(np.array(ps["mean"][name], dtype=float), mean[:, k], atol=1e-9)
        np.testing.assert_allclose(np.array(ps["ci_low"][name], dtype=float), low[:, k], atol=1e-9)
    for g in GROUPS:
        np.testing.assert_allclose(np.array(ps["share_respondents"][g], dtype=float), share[g], atol=1e-12)
    assert ps["n_with_face"] == extra["n"].tolist()

    # EmoNPS over respondents, from each session's own trace flags.
    flags = []
    for folder in study_inputs["sessions"]:
        e = json.loads((folder / "summary.json").read_text())["emonps"]
        if e["respondents"]:
            flags.append((e["engaged"] > 0, e["critical"] > 0, e["engaged"] == 0 and e["critical"] == 0))
    expected = emonps_from_flags(*[list(x) for x in zip(*flags)], k=0.5) if flags else None
    assert data["emonps"]["value"] == expected and data["emonps"]["respondents"] == len(flags)
    assert "Engaged" in page and "0.5 s" in page

    # CSV exports: one row per second and per respondent, agreeing with the page.
    with open(out / "study_curves.csv", newline="") as fh:
        curves = list(csv.DictReader(fh))
    assert len(curves) == len(mean)
    for i, row in enumerate(curves):
        for name in ("happy", "group_positive", "neutral", "group_neutral"):
            v = ps["mean"][name][i]
            assert (
                (row[f"{name}_mean"] == "") if v is None else float(row[f"{name}_mean"]) == pytest.approx(v, rel=1e-5)
            )
    with open(out / "study_respondents.csv", newline="") as fh:
        people = list(csv.DictReader(fh))
    assert [p["respondent"] for p in people] == ["R1", "R2", "R3"]
    for p, folder in zip(people, study_inputs["sessions"]):
        summary = json.loads((folder / "summary.json").read_text())
        assert float(p["eei"]) == pytest.approx(summary["eei"], rel=1e-5, abs=1e-9)

    # Scenes of the demo ad, each with a thumbnail of its own colour.
    scenes = data["scenes"]["list"]
    assert [round(s["start_ms"]) for s in scenes] == [0, 1000, 2000, 3000]
    thumbs = {int(i["data-frame-index"]): i for i in images(page) if "data-frame-index" in i}
    for s in scenes:
        corner = decode_data_uri(thumbs[s["frame_index"]]["src"])[2:12, -40:-5].reshape(-1, 3).mean(axis=0)
        assert np.abs(corner - SCENES[s["index"] - 1][0]).max() < 16
        assert 1 <= s["respondents"] <= 3


def test_mixed_ads_are_refused(study_inputs, tmp_path):
    folders = [study_inputs["sessions"][0], study_inputs["other"]]
    before = {f: snapshot(f) for f in folders}
    with pytest.raises(SessionError) as err:
        build_study_report(folders, tmp_path / "out")
    msg = str(err.value)
    assert "different ads" in msg and "demo_ad.mp4" in msg and "other_ad.mp4" in msg
    assert str(study_inputs["other"]) in msg
    assert not (tmp_path / "out").exists()
    assert {f: snapshot(f) for f in folders} == before


def test_malformed_session_in_a_study_is_named(study_inputs, tmp_path, capsys):
    root = tmp_path / "sessions"
    for f in study_inputs["sessions"]:
        shutil.copytree(f, root / f.name, ignore=shutil.ignore_patterns("report*"))
    broken = root / "R2" / "timeline.csv"
    broken.write_text(broken.read_text().replace(",ad,", ",ad,,", 1))
    before = snapshot(root / "R2")
    assert main(["aggregate", str(root), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "R2" in err and "timeline.csv" in err and "fields" in err
    assert snapshot(root / "R2") == before


def test_folder_without_sessions_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SessionError, match="neither an emolab session nor a folder holding sessions"):
        build_study_report([tmp_path / "empty"], tmp_path / "out")
    with pytest.raises(SessionError, match="does not exist"):
        build_study_report([tmp_path / "missing"], tmp_path / "out")


@pytest.mark.skipif(not (VIDEOS / "DogDog8.mp4").is_file(), reason=f"{VIDEOS} is absent: needs ../shared")
def test_study_of_real_face_against_real_ad(tmp_path):
    """The shared smiling face against DogDog8, from two offsets: thumbnails are the ad's frames."""
    settings = Settings(sessions_dir=tmp_path)
    pipeline = make_pipeline(settings)
    reaction = subsample(VIDEOS / "single_face.mp4", tmp_path / "smile10.mp4", every=3)
    folders = []
    for i, offset in enumerate((0.0, -6.0), start=1):
        folder, _ = analyze_video(
            VIDEOS / "DogDog8.mp4",
            reaction,
            settings,
            out=tmp_path / f"S{i}",
            offset_s=offset,
            respondent=f"S{i}",
            pipeline=pipeline,
        )
        folders.append(folder)
    path = build_study_report(folders, tmp_path / "study")
    page = path.read_text(encoding="utf-8")
    data = read_data(page)
    assert data["ad"]["file"] == "DogDog8.mp4" and data["n_respondents"] == 2
    assert all(not r["trustworthy"] for r in data["respondents"]), "2.4 s of face in a 14 s ad is too little"
    for r in data["respondents"]:
        assert "partial_coverage" in [w["code"] for w in r["warnings"]]
    assert "poor data: partial_coverage" in page and "have data-quality warnings" in page
    tags = [i for i in images(page) if "data-series" in i]
    assert tags
    for tag in tags:
        frame = read_frame_at(VIDEOS / "DogDog8.mp4", float(tag["data-ad-ms"]), max_side=THUMB_SIDE)
        assert np.abs(decode_data_uri(tag["src"]).astype(float) - frame.astype(float)).mean() < 4.0
    # Seconds 0-2 come from S1, 6-8 from S2; nobody had a face in between.
    n = data["per_second"]["n_with_face"]
    assert n[0] == 1 and n[3] == 0 and n[6] == 1 and sum(n) == 6
