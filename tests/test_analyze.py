"""End to end: ``emolab analyze`` on real faces, and the data-backed checks on ../shared videos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emolab.analysis import analyze_video
from emolab.cli.common import SUMMARY_KEYS
from emolab.cli.main import main
from emolab.pipeline import Pipeline
from emolab.session import load_session, summary_for
from tests.conftest import VIDEOS, need_shared


def test_demo_writes_the_session_and_its_report_and_prints_what_analyze_prints(tmp_path, capsys):
    """``bash scripts/run.sh demo`` is ``emolab demo``: the thing to open is the report."""
    from emolab.session import load_session

    assert main(["demo", "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    (folder,) = (tmp_path / "sessions").iterdir()
    report = folder / "report.html"
    assert f"Session written to {folder}" in lines
    assert f"Report written to {report} (open it in a web browser)" in lines
    assert report.is_file() and 'id="emolab-data"' in report.read_text(encoding="utf-8")
    shown = json.loads(out[out.index("{") :])
    assert set(shown) == set(SUMMARY_KEYS)
    summary = load_session(folder).summary
    assert shown == {k: summary[k] for k in SUMMARY_KEYS}
    # The demo's respondent watches on after the 8 s ad: those frames are "post", not ad time.
    assert summary["frames_by_phase"]["post"] > 0 and summary["warnings"] == []


def test_analyze_cli_writes_a_consistent_session(tmp_path, demo_clips, capsys):
    ad, camera = demo_clips
    out = tmp_path / "session"
    code = main(
        [
            "analyze",
            "--ad",
            str(ad),
            "--reaction",
            str(camera),
            "--offset",
            "0.5",
            "--out",
            str(out),
            "--respondent",
            "R-007",
            "--classifier",
            "auto",
            "--no-progress",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Session written to {out}\n")
    assert set(json.loads(printed.split("\n", 1)[1])) == set(SUMMARY_KEYS), "one summary format for analyze and demo"
    session = load_session(out)
    meta, tl = session.meta, session.timeline
    assert meta["respondent"] == "R-007" and meta["status"] == "complete"
    assert meta["ad"]["file"] == "ad.mp4" and len(meta["ad"]["sha256"]) == 64
    assert meta["ad"]["duration_ms"] == pytest.approx(4000.0)
    assert (
        meta["models"]["detector"]["name"] == "mtcnn" and meta["models"]["classifier"]["card"]["task"] == "classifier"
    )
    assert meta["software"]["name"] == "emolab"
    # Reaction time t is ad time t - offset: the first 0.5 s of the recording precede the ad.
    assert np.allclose(tl.ad_ms, tl.source_ms - 500.0)
    assert set(tl.phase[tl.ad_ms < 0]) == {"pre"} and set(tl.phase[tl.ad_ms >= 0]) == {"ad"}
    # The camera stand-in shows a grey room for 0.5 s, then the astronaut.
    assert (tl.viewer_id[tl.source_ms < 400] == -1).all()
    assert (tl.viewer_id[tl.source_ms > 700] >= 1).mean() > 0.9
    assert len(set(tl.viewer_id[tl.viewer_id >= 0])) == 1, "one face keeps one viewer id"
    assert summary_for(meta, tl) == json.loads((out / "summary.json").read_text())
    for key in ("emotion_share", "group_share", "eei", "emonps", "face_ratio", "frames", "processed_fps"):
        assert key in session.summary
    assert session.summary["emonps"]["k"] == 0.5
    assert sum(session.summary["emotion_share"].values()) == pytest.approx(1.0)


def test_analyze_cli_errors_are_clear(tmp_path, demo_clips, capsys):
    ad, _ = demo_clips
    code = main(["analyze", "--ad", str(ad), "--reaction", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "missing.mp4 does not exist" in capsys.readouterr().err
    code = main(["analyze", "--ad", str(ad), "--reaction", str(ad), "--detector", "facefinder9000"])
    assert code == 2
    assert "unknown face detector 'facefinder9000'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def mtcnn_pipeline(settings):  # noqa: ANN001, ANN201
    """The default engine: MTCNN and the shipped classifier."""
    return Pipeline.from_settings(settings, detector="mtcnn", classifier="auto")


def test_single_face_video_face_found_and_smile_is_happy(tmp_path, settings, mtcnn_pipeline):
    video = need_shared(VIDEOS / "single_face.mp4")
    folder, summary = analyze_video(video, video, settings, out=tmp_path / "s", pipeline=mtcnn_pipeline)
    tl = load_session(folder).timeline
    assert summary["face_ratio"] >= 0.95
    n = summary["frames"]
    middle = tl.select((tl.frame_index > n * 0.4) & (tl.frame_index < n * 0.6) & (tl.viewer_id >= 0))
    first = tl.select((tl.frame_index < 5) & (tl.viewer_id >= 0))
    assert (middle.label == "happy").mean() >= 0.8, "the smile mid-clip is labelled happy"
    assert not (first.label == "happy").any(), "the neutral start is not happy"


def test_face_appearing_mid_stream(tmp_path, settings, mtcnn_pipeline):
    video = need_shared(VIDEOS / "noface_face.mov")
    folder, _ = analyze_video(video, video, settings, out=tmp_path / "s", pipeline=mtcnn_pipeline)
    tl = load_session(folder).timeline
    has_face = tl.viewer_id >= 0
    first_face = int(np.argmax(has_face))
    assert first_face > 10, "the cartoon title comes first, with no-face rows"
    assert not has_face[:first_face].any()
    assert has_face[first_face:].mean() > 0.8


def test_several_faces_get_distinct_ids(settings):
    import cv2

    from emolab.capture.sources import Frame

    image = cv2.imread(str(need_shared(VIDEOS / "multi_face.jpg")))
    pipeline = Pipeline.from_settings(settings, detector="mtcnn", classifier="auto")
    ids_left_to_right = []
    for i in range(3):  # the same still three times: each face keeps its id between frames
        result = pipeline.process(Frame(image=image, index=i, timestamp_ms=i * 40.0, captured_at=0.0))
        ids_left_to_right.append([f.viewer_id for f in sorted(result.faces, key=lambda f: f.box[0])])
    assert len(ids_left_to_right[0]) >= 2
    assert len(set(ids_left_to_right[0])) == len(ids_left_to_right[0])
    assert ids_left_to_right[0] == ids_left_to_right[1] == ids_left_to_right[2]
