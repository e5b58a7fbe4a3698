"""Session reports: built from real sessions made by the engine, checked against timeline.csv."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import markupsafe
import numpy as np
import pytest

from emolab.analysis import analyze_video
from emolab.cli.main import main
from emolab.demo import SCENES, make_demo_ad, make_demo_camera
from emolab.emotions import EMOTIONS, GROUPS
from emolab.errors import SessionError
from emolab.media import read_frame_at
from emolab.report import build_session_report
from emolab.report.adframes import THUMB_SIDE, decode_data_uri
from emolab.report.html import read_data
from emolab.report.scenes import detect_scenes
from emolab.report.series import apply_baseline, frame_curves
from emolab.session.metrics import compute_summary
from emolab.session.timeline import read_timeline
from emolab.settings import Settings
from tests.conftest import REPO, VIDEOS, make_pipeline, subsample

needs_shared = pytest.mark.skipif(
    not (VIDEOS / "DogDog8.mp4").is_file(),
    reason=f"{VIDEOS} is absent: this check needs ../shared beside the checkout (CI has it)",
)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:  # noqa: ANN001
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def demo_session(work: Path) -> dict:
    """The astronaut watching the synthetic 4-scene ad, with 0.5 s of calibration before it."""
    ad = make_demo_ad(work / "demo_ad.mp4", seconds=4.0, fps=25.0)
    cam = make_demo_camera(work / "demo_cam.mp4", seconds=4.6, fps=8.0, face_from_s=0.0)
    settings = Settings(sessions_dir=work, calibration_s=0.5)
    folder, _ = analyze_video(
        ad,
        cam,
        settings,
        out=work / "demo_session",
        offset_s=0.6,
        respondent="astronaut",
        pipeline=make_pipeline(settings),
    )
    return {"folder": folder, "ad": ad}


@pytest.fixture(scope="module")
def shared_sessions(work: Path) -> dict:
    """The shared smiling face (10 fps) against DogDog8: from the ad's start, and 5 s into it."""
    if not (VIDEOS / "DogDog8.mp4").is_file():
        pytest.skip(f"{VIDEOS} is absent: this check needs ../shared beside the checkout (CI has it)")
    reaction = subsample(VIDEOS / "single_face.mp4", work / "smile10.mp4", every=3)
    settings = Settings(sessions_dir=work)
    pipeline = make_pipeline(settings)
    out = {}
    for name, offset in (("start", 0.0), ("late", -5.0)):
        out[name], _ = analyze_video(
            VIDEOS / "DogDog8.mp4",
            reaction,
            settings,
            out=work / f"dog_{name}",
            offset_s=offset,
            respondent=f"R-{name}",
            pipeline=pipeline,
        )
    return out


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


def page_and_data(path: Path) -> tuple[str, dict]:
    page = path.read_text(encoding="utf-8")
    return page, read_data(page)


def images(page: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]


def assert_self_contained(page: str) -> None:
    for pattern in (r"<script[^>]*\bsrc=", r"<link\b", r"@import", r"url\(", r"<iframe"):
        assert not re.search(pattern, page), pattern
    external = set(re.findall(r"https?://[^\s'\"<>]+", page)) - {"http://www.w3.org/2000/svg"}
    assert not external, external
    assert all(img["src"].startswith("data:image/jpeg;base64,") for img in images(page))


def csv_shares(timeline: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Label shares over face rows of the ad phase, straight from the CSV text."""
    with open(timeline, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["phase"] == "ad" and r["viewer_id"] != ""]
    return (
        {e: sum(r["label"] == e for r in rows) / len(rows) for e in EMOTIONS},
        {g: sum(r["group"] == g for r in rows) / len(rows) for g in GROUPS},
    )


# --- scenes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds, fps", [(8.0, 25.0), (6.0, 30.0)])
def test_scene_cuts_found_in_synthetic_ad(tmp_path, seconds, fps):
    ad = make_demo_ad(tmp_path / "ad.mp4", seconds=seconds, fps=fps)
    detection = detect_scenes(ad)
    expected = [seconds * 1000.0 * q for q in (0.25, 0.5, 0.75)]
    assert len(detection.scenes) == 4
    assert detection.cuts_ms == pytest.approx(expected, abs=1000.0 / fps + 1e-6)
    assert detection.scenes[0].start_ms == 0 and detection.scenes[-1].end_ms == pytest.approx(seconds * 1000.0)


def test_no_cut_in_a_single_shot(tmp_path):
    """A moving object on one background is one scene: the adaptive threshold ignores motion."""
    path = tmp_path / "one_shot.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (320, 180))
    for i in range(75):
        img = np.full((180, 320, 3), (60, 120, 180), np.uint8)
        cv2.circle(img, (20 + 3 * i, 90), 30, (255, 255, 255), -1)
        writer.write(img)
    writer.release()
    assert len(detect_scenes(path).scenes) == 1


# --- demo session (no ../shared needed) ----------------------------------------------------------


def test_demo_report_numbers_scenes_and_thumbnails(demo_session):
    folder = demo_session["folder"]
    before = snapshot(folder)
    path = build_session_report(folder)
    assert path == folder / "report.html"
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k != "report.html"} == before, "session files must not change"
    page, data = page_and_data(path)
    assert_self_contained(page)

    tl = read_timeline(folder / "timeline.csv")
    expected = compute_summary(tl, emonps_k=0.5, trace_min_s=0.5)
    for key in ("emotion_share", "group_share", "eei", "emonps", "face_ratio", "frames", "dropped_frames"):
        assert data["summary"][key] == expected[key], key
    emo, grp = csv_shares(folder / "timeline.csv")
    assert data["summary"]["emotion_share"] == pytest.approx(emo, abs=1e-12)
    assert data["summary"]["group_share"] == pytest.approx(grp, abs=1e-12)
    assert data["summary"]["eei"] == pytest.approx(100 * (grp["positive"] - grp["negative"]), abs=1e-9)
    assert data["baseline"] == {**data["baseline"], "requested": False, "applied": False}
    assert data["quality"]["trustworthy"] and data["quality"]["face_time_share"] > 0.9

    # Four scenes with cuts at 1, 2 and 3 s, each shown with a thumbnail of its own colour.
    scenes = data["scenes"]["list"]
    assert [round(s["start_ms"]) for s in scenes] == [0, 1000, 2000, 3000]
    thumbs = {int(i["data-frame-index"]): i for i in images(page)}
    for s in scenes:
        img = decode_data_uri(thumbs[s["frame_index"]]["src"])
        assert max(img.shape[:2]) == THUMB_SIDE
        corner = img[2:12, -40:-5].reshape(-1, 3).mean(axis=0)  # background, away from text and ball
        assert np.abs(corner - SCENES[s["index"] - 1][0]).max() < 16, (s, corner)
        ad_ms = s["start_ms"]
        rows = tl.select((tl.phase == "ad") & (tl.viewer_id >= 0) & (tl.ad_ms >= ad_ms) & (tl.ad_ms < s["end_ms"]))
        assert s["face_rows"] == len(rows)

    # Key moments: strongest frame of each series first; thumbnail = the ad frame at its time.
    curves = frame_curves(tl)
    for name, moments in data["moments"].items():
        y = curves.column(name)
        if moments:
            assert moments[0]["value"] == pytest.approx(float(np.nanmax(y)), abs=1e-12)
            assert [m["value"] for m in moments] == sorted((m["value"] for m in moments), reverse=True)
        for m in moments:
            # The ad frame shown is the one on screen reaction_delay_s before the peak.
            assert m["cause_ms"] == pytest.approx(max(0.0, m["ad_ms"] - 500.0), abs=1e-6)
            tag = next(
                i
                for i in images(page)
                if i.get("data-series") == name and float(i["data-peak-ms"]) == pytest.approx(m["ad_ms"], abs=1e-3)
            )
            assert float(tag["data-ad-ms"]) == pytest.approx(m["cause_ms"], abs=1e-3)
            scene = min(3, int(m["cause_ms"] // 1000))
            corner = decode_data_uri(tag["src"])[2:12, -40:-5].reshape(-1, 3).mean(axis=0)
            assert np.abs(corner - SCENES[scene][0]).max() < 16, (name, m)


def test_demo_report_with_baseline(demo_session, tmp_path):
    folder = demo_session["folder"]
    out = tmp_path / "elsewhere" / "baseline.html"
    assert main(["report", str(folder), "--baseline", "--out", str(out)]) == 0
    _, data = page_and_data(out)
    tl = read_timeline(folder / "timeline.csv")
    rest = compute_summary(tl, 0.5, 0.5)["calibration_baseline"]
    assert rest is not None, "the fixture records calibration frames"
    assert data["baseline"]["applied"] and data["baseline"]["values"] == rest
    corrected = compute_summary(apply_baseline(tl, rest), 0.5, 0.5)
    for key in ("emotion_share", "group_share", "eei", "emonps"):
        assert data["summary"][key] == corrected[key], key
    assert "corrected by the respondent" in out.read_text(encoding="utf-8")


def test_apply_baseline_moves_labels_to_the_emotion_above_rest():
    from emolab.session.timeline import Timeline

    probs = np.array([[0.1, 0.05, 0.05, 0.3, 0.1, 0.1, 0.3]])
    tl = Timeline(
        frame_index=np.array([0]),
        source_ms=np.zeros(1),
        capture_ms=np.zeros(1),
        result_ms=np.zeros(1),
        ad_ms=np.zeros(1),
        phase=np.array(["ad"], dtype=object),
        viewer_id=np.array([1]),
        box=np.zeros((1, 4)),
        score=np.ones(1),
        probs=probs,
        smoothed=probs,
        label=np.array(["happy"], dtype=object),
        group=np.array(["positive"], dtype=object),
    )
    rest = dict(zip(EMOTIONS, [0.1, 0.05, 0.05, 0.35, 0.1, 0.1, 0.25]))
    out = apply_baseline(tl, rest)
    assert out.label[0] == "neutral" and out.group[0] == "neutral"
    assert out.smoothed.sum() == pytest.approx(1.0) and (out.smoothed >= 0).all()
    assert tl.label[0] == "happy", "the input timeline is not modified"


def test_baseline_without_calibration_is_stated(shared_sessions):
    path = build_session_report(shared_sessions["start"], baseline=True, out=shared_sessions["start"] / "b.html")
    page, data = page_and_data(path)
    assert data["baseline"] == {**data["baseline"], "requested": True, "applied": False}
    assert "no calibration frames" in page
    path.unlink()


# --- real face against the real ad ---------------------------------------------------------------


@needs_shared
def test_report_numbers_match_timeline_and_thumbnails_match_ad(shared_sessions, capsys):
    folder = shared_sessions["start"]
    before = snapshot(folder)
    assert main(["report", str(folder)]) == 0
    assert "report.html" in capsys.readouterr().out
    assert {k: v for k, v in snapshot(folder).items() if k != "report.html"} == before
    page, data = page_and_data(folder / "report.html")
    assert_self_contained(page)
    meta = json.loads((folder / "session.json").read_text())
    tl = read_timeline(folder / "timeline.csv")
    expected = compute_summary(tl, meta["settings"]["emonps_k"], meta["settings"]["trace_min_s"])
    for key in ("emotion_share", "group_share", "eei", "emonps", "face_ratio", "processed_fps", "dropped_frames"):
        assert data["summary"][key] == expected[key], key
    assert data["respondent"] == "R-start" and data["ad"]["file"] == "DogDog8.mp4"
    assert "DogDog8.mp4" in page and "R-start" in page

    thumbs = [i for i in images(page) if "data-series" in i]
    assert thumbs, "a smiling face gives at least one key moment"
    ad = VIDEOS / "DogDog8.mp4"
    for tag in thumbs:
        expected_frame = read_frame_at(ad, float(tag["data-ad-ms"]), max_side=THUMB_SIDE)
        diff = np.abs(decode_data_uri(tag["src"]).astype(float) - expected_frame.astype(float)).mean()
        assert diff < 4.0, (tag["data-ad-ms"], diff)
    # ... and a frame from elsewhere in the ad looks different (the check can fail).
    far = read_frame_at(ad, 13000.0, max_side=THUMB_SIDE).astype(float)
    assert np.abs(decode_data_uri(thumbs[0]["src"]).astype(float) - far).mean() > 4.0


@needs_shared
def test_poor_session_is_flagged(shared_sessions):
    path = build_session_report(shared_sessions["late"])
    page, data = page_and_data(path)
    q = data["quality"]
    assert not q["trustworthy"] and q["face_time_share"] < 0.7
    assert q["face_time_share"] == pytest.approx(2.4 / 14.047, abs=0.05)
    assert "too poor to trust" in page and "Data quality warning" in page
    # The report shows the warnings the session itself carries (summary.json), word for word.
    summary = json.loads((shared_sessions["late"] / "summary.json").read_text())
    assert q["warnings"] == summary["warnings"] and "partial_coverage" in [w["code"] for w in q["warnings"]]
    for w in summary["warnings"]:
        assert str(markupsafe.escape(w["text"])) in page


@needs_shared
def test_report_without_the_ad_file_still_works(shared_sessions, tmp_path):
    copy = shutil.copytree(shared_sessions["start"], tmp_path / "moved")
    meta = json.loads((copy / "session.json").read_text())
    meta["ad"]["path"] = str(tmp_path / "gone" / "DogDog8.mp4")  # the ad stayed on another machine
    (copy / "session.json").write_text(json.dumps(meta))
    page, data = page_and_data(build_session_report(copy))
    assert data["ad"]["found"] is None and data["scenes"]["list"] == []
    assert "was not found" in page and not images(page)


# --- malformed sessions ----------------------------------------------------------------------------


def _damage(folder: Path, how: str) -> None:
    tl = folder / "timeline.csv"
    text = tl.read_text()
    if how == "header":
        tl.write_text("frame,when\n" + text.split("\n", 1)[1])
    elif how == "row":
        lines = text.splitlines(keepends=True)
        lines[3] = lines[3].replace(",", ";", 5)
        tl.write_text("".join(lines))
    elif how == "number":
        lines = text.splitlines(keepends=True)
        lines[2] = "abc" + lines[2][lines[2].index(",") :]
        tl.write_text("".join(lines))
    elif how == "empty-timeline":
        tl.write_text("")
    elif how == "meta-json":
        (folder / "session.json").write_text('{"format": "emolab-session", "ad": {')
    elif how == "no-meta":
        (folder / "session.json").unlink()
    elif how == "summary-json":
        (folder / "summary.json").write_text("{not json")
    elif how == "no-ad-frames":
        lines = text.splitlines(keepends=True)
        tl.write_text("".join([lines[0]] + [ln.replace(",ad,", ",post,") for ln in lines[1:]]))


@pytest.mark.parametrize(
    "how, words",
    [
        ("header", "timeline header"),
        ("row", "line 4"),
        ("number", "not a number"),
        ("empty-timeline", "timeline header"),
        ("meta-json", "not valid JSON"),
        ("no-meta", "session.json"),
        ("summary-json", "summary.json"),
        ("no-ad-frames", "no frame during the ad"),
    ],
)
def test_malformed_session_gives_clear_error_and_is_untouched(demo_session, tmp_path, capsys, how, words):
    folder = shutil.copytree(demo_session["folder"], tmp_path / "s", ignore=shutil.ignore_patterns("report*"))
    _damage(folder, how)
    before = snapshot(folder)
    with pytest.raises(SessionError, match=re.escape(words)):
        build_session_report(folder)
    assert main(["report", str(folder)]) == 2
    assert "emolab: error:" in capsys.readouterr().err
    assert snapshot(folder) == before and not (folder / "report.html").exists()


def test_truncated_last_line_is_tolerated(demo_session, tmp_path):
    """A session killed mid-write keeps everything before its last, half-written line."""
    folder = shutil.copytree(demo_session["folder"], tmp_path / "s", ignore=shutil.ignore_patterns("report*"))
    tl = folder / "timeline.csv"
    tl.write_bytes(tl.read_bytes()[:-40])
    before = snapshot(folder)
    _, data = page_and_data(build_session_report(folder))
    scenes = detect_scenes(demo_session["ad"]).scenes
    assert data["summary"] == {**data["summary"], **compute_summary(read_timeline(tl), 0.5, 0.5, scenes=scenes)}
    assert {k: v for k, v in snapshot(folder).items() if k != "report.html"} == before


def test_report_code_never_imports_qt():
    code = (
        "import sys, emolab.report, emolab.cli.report, emolab.cli.aggregate; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
