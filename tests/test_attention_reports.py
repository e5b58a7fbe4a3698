"""Attention in reports: real sessions where a respondent turns away or leaves, checked against the CSV."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from emolab.analysis import analyze_video
from emolab.cli.main import main
from emolab.demo import make_demo_ad
from emolab.media import read_frame_at
from emolab.report import build_session_report, build_study_report, rebuild_with_scenes
from emolab.report.adframes import THUMB_SIDE, decode_data_uri
from emolab.report.html import read_data
from emolab.session.metrics import compute_summary
from emolab.session.timeline import COLUMNS_WITHOUT_POSE, read_timeline
from emolab.settings import Settings
from tests.conftest import VIDEOS, make_pipeline, need_shared, read_frames, turn_head, write_video

FPS = 10.0
SECONDS = 6
#: Per respondent: (turned 50° from, to), (no face from, to), in reaction seconds (= ad seconds).
SCRIPTS = {"R1": ((2.0, 3.0), (4.0, 4.5)), "R2": ((2.2, 3.4), None), "R3": (None, (1.0, 1.8))}


def _inside(t: float, span: tuple[float, float] | None, slack: float = 0.0) -> bool:
    return span is not None and span[0] <= t <= span[1] + slack


@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> dict:  # noqa: ANN001
    """Three respondents (the shared face) watching a 6 s, 4-scene ad; each looks away once or twice."""
    video = need_shared(VIDEOS / "single_face.mp4")
    work = tmp_path_factory.mktemp("attention")
    source = read_frames(video)[::3]  # 10 fps
    settings = Settings(sessions_dir=work)
    pipeline = make_pipeline(settings)
    ad = make_demo_ad(work / "ad.mp4", seconds=float(SECONDS))
    folders = {}
    for name, (turned, away) in SCRIPTS.items():
        frames = []
        for i in range(int(SECONDS * FPS)):
            frame, t = source[i % len(source)], i / FPS
            if _inside(t, turned) and t < turned[1]:
                frame = turn_head(frame, pipeline.detector.detect(frame)[0].landmarks, 50)
            elif _inside(t, away) and t < away[1]:
                frame = np.full_like(frame, 190)  # the respondent left: an empty, evenly lit room
            frames.append(frame)
        reaction = write_video(work / f"{name}.mp4", frames, FPS)
        folders[name], _ = analyze_video(
            ad, reaction, settings, out=work / "sessions" / name, respondent=name, pipeline=pipeline
        )
    return {"work": work, "ad": ad, "folders": folders}


def _frames(folder: Path) -> list[tuple[float, float]]:
    """(ad seconds, attentive share of the frame's faces) per ad frame, from the CSV text alone."""
    with open(folder / "timeline.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["phase"] == "ad"]
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r["frame_index"], []).append(r)
    return [
        (
            float(rs[0]["ad_ms"]) / 1000.0,
            0.0 if rs[0]["viewer_id"] == "" else sum(r["attentive"] == "1" for r in rs) / len(rs),
        )
        for rs in out.values()
    ]


def _images(page: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]


def test_session_report_shows_attention_and_when_the_respondent_looked_away(sessions, tmp_path):
    folder = sessions["folders"]["R1"]
    turned, away = SCRIPTS["R1"]
    frames = _frames(folder)
    share = sum(a for _, a in frames) / len(frames)
    # Turned and absent frames are not attentive (a few turned ones lag behind the smoothing), the rest are.
    assert all(a == 1.0 for t, a in frames if not _inside(t, turned, 0.5) and not _inside(t, away))
    assert all(a == 0.0 for t, a in frames if _inside(t, away) and t < away[1])
    assert sum(a == 0.0 for t, a in frames if _inside(t, turned) and t < turned[1]) >= 7

    page = build_session_report(folder).read_text(encoding="utf-8")
    data = read_data(page)
    summary = data["summary"]
    assert data["attention"]["known"] and data["attention"]["share"] == pytest.approx(share)
    assert summary["attention_share"] == pytest.approx(share)
    assert data["attention"]["cone"] == {"yaw_deg": 25.0, "pitch_deg": 20.0}
    assert "Attention over the ad" in page and "setting attentive_only off" in page

    # The two look-aways, each shown with the ad frame on screen at that moment.
    moments = data["attention"]["look_aways"]
    assert len(moments) == 2
    assert any(_inside(m["t_s"], turned, 0.4) for m in moments) and any(_inside(m["t_s"], away) for m in moments)
    assert all(m["drop"] >= 0.25 for m in moments)
    tags = [i for i in _images(page) if i.get("data-series") == "attention"]
    assert len(tags) == 2
    for tag in tags:
        frame = read_frame_at(sessions["ad"], float(tag["data-ad-ms"]), max_side=THUMB_SIDE)
        assert np.abs(decode_data_uri(tag["src"]).astype(float) - frame.astype(float)).mean() < 4.0

    # Per scene: the attentive share of the scene's frames, in the table and in the summary.
    scenes = data["scenes"]["list"]
    assert len(scenes) == 4
    for s, by_scene in zip(scenes, summary["attention_by_scene"]):
        last = s["index"] == len(scenes)
        inside = [
            a
            for t, a in frames
            if s["start_ms"] / 1000 <= t and (t <= s["end_ms"] / 1000 if last else t < s["end_ms"] / 1000)
        ]
        assert s["attention_share"] == by_scene["attention_share"] == pytest.approx(sum(inside) / len(inside))
    written = json.loads((folder / "summary.json").read_text())
    assert written["attention_by_scene"] is None, "closing the session did not decode the ad"
    rebuilt = rebuild_with_scenes(folder)  # `emolab summary --rebuild`
    assert rebuilt["attention_by_scene"] == summary["attention_by_scene"], "summary.json finds the ad's scenes too"

    # --attentive-only: shares and EEI over attentive face rows only, stated on the page.
    out = tmp_path / "attentive.html"
    assert main(["report", str(folder), "--attentive-only", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    data = read_data(page)
    expected = compute_summary(read_timeline(folder / "timeline.csv"), 0.5, 0.5, attentive_only=True)
    assert data["summary"]["attentive_only"] == {
        "requested": True,
        "applied": True,
        "face_rows": round(share * len(frames)),
    }
    for key in ("emotion_share", "group_share", "eei"):
        assert data["summary"][key] == expected[key], key
    assert "attentive face frames only" in page and "attentive_only on" in page


def test_study_shows_respondents_attentive_per_second_with_a_band(sessions):
    folders = list(sessions["folders"].values())
    out = sessions["work"] / "study"
    path = build_study_report([sessions["work"] / "sessions"], out)
    page = path.read_text(encoding="utf-8")
    data = read_data(page)
    ps = data["per_second"]["attention"]

    per = np.full((len(folders), SECONDS), np.nan)  # each respondent's attentive share of each second
    for r, folder in enumerate(folders):
        frames = _frames(folder)
        for s in range(SECONDS):
            values = [a for t, a in frames if min(int(t), SECONDS - 1) == s]
            per[r, s] = sum(values) / len(values)
    mean = per.mean(axis=0)
    half = stats.t.ppf(0.975, len(folders) - 1) * per.std(axis=0, ddof=1) / np.sqrt(len(folders))
    np.testing.assert_allclose(np.array(ps["mean"], dtype=float), mean, atol=1e-12)
    np.testing.assert_allclose(np.array(ps["ci_low"], dtype=float), np.clip(mean - half, 0, 1), atol=1e-9)
    np.testing.assert_allclose(np.array(ps["ci_high"], dtype=float), np.clip(mean + half, 0, 1), atol=1e-9)
    assert ps["n"] == [3] * SECONDS
    assert data["attention"]["mean"] == pytest.approx(
        np.mean([sum(a for _, a in _frames(f)) / len(_frames(f)) for f in folders])
    )
    assert "Respondents attentive, second by second" in page and "attentive_only off" in page

    # The largest drop of the mean curve is where two respondents looked away at once (seconds 2-3).
    moments = data["attention"]["look_aways"]
    assert moments and 2.0 <= moments[0]["t_s"] <= 3.5
    assert [i for i in _images(page) if i.get("data-series") == "attention"]
    for s in data["scenes"]["list"]:
        assert s["attention_respondents"] == 3 and 0.0 <= s["attention"] <= 1.0

    with open(out / "study_curves.csv", newline="") as fh:
        curves = list(csv.DictReader(fh))
    assert [float(r["attention_mean"]) for r in curves] == pytest.approx(list(mean), abs=1e-5)
    with open(out / "study_respondents.csv", newline="") as fh:
        people = {p["respondent"]: p for p in csv.DictReader(fh)}
    for r in data["respondents"]:
        assert float(people[r["respondent"]]["attention_share"]) == pytest.approx(r["attention_share"], rel=1e-5)


def test_reports_of_sessions_recorded_before_head_pose(sessions, tmp_path):
    """An old timeline: the report says attention is unknown; a study leaves it out of attention."""
    old = tmp_path / "old"
    shutil.copytree(sessions["folders"]["R3"], old)
    path = old / "timeline.csv"
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(r[: len(COLUMNS_WITHOUT_POSE)] for r in rows)
    page = build_session_report(old, attentive_only=True).read_text(encoding="utf-8")
    data = read_data(page)
    assert not data["attention"]["known"] and data["attention"]["share"] is None
    assert data["summary"]["attentive_only"]["applied"] is False
    assert "Where the respondent looked is unknown" in page and "attentive_only was requested" in page
    assert all(s["attention_share"] is None for s in data["scenes"]["list"])

    study_page = build_study_report([old, sessions["folders"]["R1"]], tmp_path / "study").read_text()
    study = read_data(study_page)
    assert study["attention"]["n"] == 1
    # One respondent with attention has no confidence band: the page says nothing, not "nan".
    for shown in (page, study_page):
        text = re.sub(r"<script.*?</script>|<img[^>]*>", "", shown, flags=re.S)
        assert not re.search(r"\bnan\b", text, flags=re.I), re.findall(r".{60}\bnan\b.{20}", text, flags=re.I)
    assert study["per_second"]["attention"]["n"] == [1] * SECONDS
    assert any("looked is unknown" in n for n in study["notes"])
