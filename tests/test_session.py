"""Session folders: the writer, the reader, metrics, and recovery after a crash."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from emolab.errors import SessionError
from emolab.media import AdInfo
from emolab.pipeline import FaceResult, FrameResult
from emolab.pose import HeadPose
from emolab.report.series import frame_curves, per_second
from emolab.report.session_report import ad_scenes, rebuild_with_scenes
from emolab.session import COLUMNS, SessionWriter, load_session, rebuild_summary, summary_for
from emolab.session.metrics import compute_summary
from tests.conftest import REPO

AD = AdInfo("ad.mp4", "/x/ad.mp4", 10, "0" * 64, 1500.0, 10.0, 64, 48, 15)


def _probs(label_index: int) -> np.ndarray:
    p = np.full(7, 0.01, np.float32)
    p[label_index] = 1 - 0.06
    return p


def _result(i: int, faces: list[int] | list[tuple[int, bool | None]]) -> FrameResult:
    """A frame whose faces have the given label indices, or (label index, attentive) pairs
    (attentive None: no pose)."""

    pairs = [f if isinstance(f, tuple) else (f, None) for f in faces]
    return FrameResult(
        frame_index=i,
        timestamp_ms=i * 100.0,
        captured_at=time.monotonic(),
        frame_size=(64, 48),
        faces=tuple(
            FaceResult(
                viewer_id=v + 1,
                box=(10.0 + 50 * v, 10.0, 40.0 + 50 * v, 40.0),
                score=0.99,
                probs=_probs(lab),
                smoothed=_probs(lab),
                pose=None if att is None else HeadPose(5.0 if att else 48.25, -3.5, 1.0),
                attentive=att,
            )
            for v, (lab, att) in enumerate(pairs)
        ),
        timings_ms={},
    )


def _write_session(folder, per_frame, ad_offset_ms=0.0, calibration_s=0.0):  # noqa: ANN001, ANN202
    writer = SessionWriter.create(
        folder.parent,
        "r1",
        AD,
        {"kind": "test"},
        {},
        {"emonps_k": 0.5, "trace_min_s": 0.3},
        calibration_s=calibration_s,
        folder=folder,
    )
    for i, labels in enumerate(per_frame):
        writer.write(_result(i, labels), i * 100.0 - ad_offset_ms)
    return writer


def test_session_folder_is_complete_and_summary_matches_timeline(tmp_path):
    happy, neutral, sad = 3, 6, 4
    frames = [[neutral]] * 5 + [[happy]] * 8 + [[]] * 2  # 15 frames in the ad, 2 without a face
    writer = _write_session(tmp_path / "s", frames)
    summary = writer.close()
    session = load_session(tmp_path / "s")
    assert session.meta["status"] == "complete" and session.meta["respondent"] == "r1"
    assert summary == json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary_for(session.meta, session.timeline) == summary
    assert summary["frames"] == 15 and summary["face_frames"] == 13
    assert summary["face_ratio"] == pytest.approx(13 / 15)
    assert summary["emotion_share"]["happy"] == pytest.approx(8 / 13)
    assert summary["group_share"] == pytest.approx({"positive": 8 / 13, "negative": 0.0, "neutral": 5 / 13})
    assert summary["eei"] == pytest.approx(100 * 8 / 13)
    # 8 happy frames 100 ms apart last 0.8 s >= trace_min_s 0.3: Engaged, not Critical.
    assert summary["emonps"]["engaged"] == 1 and summary["emonps"]["critical"] == 0
    assert summary["emonps"]["value"] == pytest.approx(100.0)
    assert sad not in (happy, neutral)


def test_no_face_rows_and_phases_are_written(tmp_path):
    writer = _write_session(tmp_path / "s", [[]] * 3 + [[6]] * 17 + [[6]] * 3, ad_offset_ms=200.0, calibration_s=0.1)
    writer.close()
    tl = load_session(tmp_path / "s").timeline
    header = (tmp_path / "s" / "timeline.csv").read_text().splitlines()[0]
    assert tuple(header.split(",")) == COLUMNS
    assert list(tl.phase[:3]) == ["pre", "calibration", "ad"]
    assert list(tl.viewer_id[:3]) == [-1, -1, -1]
    assert tl.phase[-1] == "post"
    assert np.isnan(tl.probs[0]).all() and not np.isnan(tl.probs[5]).any()


def test_two_viewers_keep_separate_rows_and_traces(tmp_path):
    writer = _write_session(tmp_path / "s", [[3, 4]] * 12)
    summary = writer.close()
    assert summary["emonps"]["respondents"] == 2
    assert summary["emonps"]["engaged"] == 1 and summary["emonps"]["critical"] == 1
    assert summary["group_share"]["positive"] == pytest.approx(0.5)


def test_truncated_last_line_is_dropped_and_damage_elsewhere_is_an_error(tmp_path):
    writer = _write_session(tmp_path / "s", [[3]] * 5)
    writer.close()
    path = tmp_path / "s" / "timeline.csv"
    text = path.read_text()
    path.write_text(text[:-40])  # killed mid-line
    assert len(load_session(tmp_path / "s").timeline) == 4
    lines = text.splitlines(keepends=True)
    lines[2] = "1,2,3\n"
    path.write_text("".join(lines))
    with pytest.raises(SessionError, match="line 3 has 3 fields"):
        load_session(tmp_path / "s")


def test_malformed_folders_give_clear_errors(tmp_path):
    with pytest.raises(SessionError, match="does not exist"):
        load_session(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SessionError, match="no session.json"):
        load_session(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "session.json").write_text("{not json")
    with pytest.raises(SessionError, match="not valid JSON"):
        load_session(tmp_path / "bad")


def test_writer_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "keep.txt").write_text("precious")
    with pytest.raises(SessionError, match="not empty"):
        _write_session(tmp_path / "s", [])
    assert (tmp_path / "s" / "keep.txt").read_text() == "precious"


FILL_A_TINY_DISK = """
import json, shutil, sys, time
import numpy as np
from emolab.errors import SessionError
from emolab.media import AdInfo
from emolab.pipeline import FaceResult, FrameResult
from emolab.session import SessionWriter

disk, copy = sys.argv[1:3]
ad = AdInfo("ad.mp4", "/x/ad.mp4", 10, "0" * 64, 600000.0, 10.0, 64, 48, 15)
p = np.full(7, 0.01, np.float32)
p[3] = 0.94
writer = SessionWriter.create(disk, "r1", ad, {"kind": "test"}, {}, {}, folder=disk + "/s")
error = close_error = None
for i in range(100000):
    two = [FaceResult(viewer_id=v, box=(10.0, 10.0, 40.0, 40.0), score=0.99, probs=p, smoothed=p) for v in (1, 2)]
    faces = tuple(two) if i % 3 else ()  # frames of two rows, and of one
    try:
        writer.write(FrameResult(i, i * 100.0, time.monotonic(), (64, 48), faces, {}), i * 100.0)
    except SessionError as exc:
        error = str(exc)
        break
try:
    writer.close(status="failed", reason=error)
except SessionError as exc:
    close_error = str(exc)
shutil.copytree(disk + "/s", copy)
print(json.dumps({"frames": writer.frames, "rows": writer.rows, "error": error, "close_error": close_error}))
"""


def test_full_disk_keeps_every_row_written_and_the_session_rebuilds(tmp_path):
    """A real 64 KiB disk fills up: the rows written stay, whole; no half frame; summary --rebuild works."""
    from tests.mounts import tiny_disk

    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "copy"
    argv = tiny_disk(disk, 64, [sys.executable, "-c", FILL_A_TINY_DISK, str(disk), str(copy)])
    done = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["frames"] > 50, "the disk filled up before anything was recorded"
    assert "the disk is full" in out["error"]
    assert f"The {out['frames']} frames recorded until then are kept" in out["error"]
    text = (copy / "timeline.csv").read_text(encoding="utf-8")
    assert text.endswith("\n"), "a row was cut in half"
    tl = load_session(copy).timeline
    assert len(tl) == out["rows"] and len(np.unique(tl.frame_index)) == out["frames"]
    assert tl.frame_index[-1] == out["frames"] - 1
    # The frame that did not fit left no row: its two faces are both absent, not one of them.
    assert np.all(np.bincount(tl.frame_index)[[i for i in range(out["frames"]) if i % 3]] == 2)
    assert rebuild_summary(copy)["frames"] == out["frames"]


def test_killed_analysis_loses_at_most_a_second(tmp_path, demo_clips):
    """Kill -9 an analysis midway; the timeline is readable and the summary rebuilds."""
    ad, camera = demo_clips
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emolab",
            "analyze",
            "--ad",
            str(ad),
            "--reaction",
            str(camera),
            "--out",
            str(out),
            "--no-progress",
            "--classifier",
            "auto",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    timeline = out / "timeline.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if timeline.exists() and len(timeline.read_text().splitlines()) > 4:
            break
        if proc.poll() is not None:
            pytest.fail("analysis ended before it could be killed")
        time.sleep(0.05)
    written_before_kill = len(timeline.read_text().splitlines()) - 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert json.loads((out / "session.json").read_text())["status"] == "recording"
    summary = rebuild_with_scenes(out)
    assert summary["frames_total"] >= written_before_kill >= 4
    session = load_session(out)
    assert summary_for(session.meta, session.timeline, ad_scenes(session.meta, near=[out])) == summary
    assert summary["attention_by_scene"], "the ad is where the session says: attention per scene is filled"
    assert rebuild_summary(out)["attention_by_scene"] is None, "closing a session does not decode the ad"
    without_scenes = compute_summary(session.timeline, 0.5, 0.5)
    scene_free = ("attention_by_scene", "warnings")  # warnings come from summary_for, not the metrics
    assert {k: v for k, v in summary.items() if k not in scene_free} == {
        k: v for k, v in without_scenes.items() if k not in scene_free
    }


# ---- head pose and attention columns -----------------------------------------------------------


def _attention_session(folder, frames, settings=None):  # noqa: ANN001, ANN202
    writer = SessionWriter.create(
        folder.parent, "r1", AD, {"kind": "test"}, {}, settings or {"emonps_k": 0.5, "trace_min_s": 0.3}, folder=folder
    )
    for i, faces in enumerate(frames):
        writer.write(_result(i, faces), i * 100.0)
    return writer


def test_pose_columns_come_last_and_are_read_back(tmp_path):
    happy = 3
    writer = _attention_session(tmp_path / "s", [[(happy, True)], [(happy, False)], [], [(happy, None)]])
    writer.close()
    with open(tmp_path / "s" / "timeline.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS and rows[0][-5:] == ["group", "yaw", "pitch", "roll", "attentive"]
    assert [r[-4:] for r in rows[1:]] == [
        ["5.000", "-3.500", "1.000", "1"],
        ["48.250", "-3.500", "1.000", "0"],
        ["", "", "", ""],  # no face
        ["", "", "", ""],  # a face without landmarks: pose and attention unknown
    ]
    tl = load_session(tmp_path / "s").timeline
    assert tl.has_attention
    np.testing.assert_allclose(tl.pose[:2], [[5.0, -3.5, 1.0], [48.25, -3.5, 1.0]])
    assert np.isnan(tl.pose[2:]).all()
    np.testing.assert_array_equal(tl.attentive[:2], [1.0, 0.0])
    assert np.isnan(tl.attentive[2:]).all()
    assert tl.select(tl.viewer_id >= 0).has_attention


def test_attention_share_counts_frames_without_a_face_as_not_attentive(tmp_path):
    from emolab.report.scenes import Scene
    from emolab.session.metrics import attention_by_scene

    frames = [[(3, True)]] * 6 + [[(3, False)]] * 2 + [[]] * 2 + [[(3, True), (4, False)]] * 2 + [[(3, None)]] * 3
    writer = _attention_session(tmp_path / "s", frames)
    summary = writer.close()
    # 6 attentive + 2 frames where one of two faces is + 0 for the rest, over 15 ad frames.
    assert summary["attention_share"] == pytest.approx((6 + 2 * 0.5) / 15)
    tl = load_session(tmp_path / "s").timeline
    scenes = [Scene(1, 0.0, 500.0), Scene(2, 500.0, 1000.0), Scene(3, 1000.0, 1500.0)]
    by_scene = attention_by_scene(tl, scenes)
    assert [s["attention_share"] for s in by_scene] == pytest.approx([1.0, 0.2, 0.2])
    assert [s["index"] for s in by_scene] == [1, 2, 3]
    assert summary["attentive_only"] == {"requested": False, "applied": False, "face_rows": 15}
    # The report's curves follow the same rule: the last 3 frames (pose unknown) are not attentive.
    curves = frame_curves(tl.in_phase("ad"))
    assert curves.attention.tolist() == [1.0] * 6 + [0.0] * 4 + [0.5] * 2 + [0.0] * 3
    assert per_second(tl, 1500.0)["attention"].tolist() == pytest.approx([0.6, 0.2])


def test_attentive_only_computes_shares_and_eei_over_attentive_frames(tmp_path):
    happy, sad = 3, 4
    frames = [[(happy, True)]] * 6 + [[(sad, False)]] * 4
    settings = {"emonps_k": 0.5, "trace_min_s": 0.3, "attentive_only": True}
    summary = _attention_session(tmp_path / "on", frames, settings).close()
    assert summary["attentive_only"] == {"requested": True, "applied": True, "face_rows": 6}
    assert summary["emotion_share"]["happy"] == 1.0 and summary["eei"] == 100.0
    assert summary["emonps"]["critical"] == 1, "traces still see every face frame"
    summary = _attention_session(tmp_path / "off", frames).close()
    assert summary["attentive_only"]["applied"] is False
    assert summary["emotion_share"]["happy"] == pytest.approx(0.6) and summary["eei"] == pytest.approx(20.0)


def test_timelines_from_before_head_pose_still_load(tmp_path):
    """A timeline without the four pose columns loads; attention is unknown, not zero."""
    from emolab.session.timeline import COLUMNS_WITHOUT_POSE

    frames = [[(3, True)]] * 6 + [[]] * 2
    settings = {"emonps_k": 0.5, "trace_min_s": 0.3, "attentive_only": True}
    _attention_session(tmp_path / "s", frames, settings).close()
    path = tmp_path / "s" / "timeline.csv"
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(r[: len(COLUMNS_WITHOUT_POSE)] for r in rows)
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS_WITHOUT_POSE)
    session = load_session(tmp_path / "s")
    tl = session.timeline
    assert not tl.has_attention and len(tl) == 8
    assert np.isnan(tl.pose).all() and np.isnan(tl.attentive).all()
    summary = rebuild_summary(tmp_path / "s")
    assert summary["attention_share"] is None and summary["attention_reference"] is None
    assert summary["attentive_only"] == {"requested": True, "applied": False, "face_rows": 6}
    assert summary["emotion_share"]["happy"] == 1.0 and summary["face_frames"] == 6


def test_malformed_attentive_value_is_an_error(tmp_path):
    _attention_session(tmp_path / "s", [[(3, True)]] * 3).close()
    path = tmp_path / "s" / "timeline.csv"
    path.write_text(path.read_text().replace(",1\n", ",yes\n", 1))
    with pytest.raises(SessionError, match=r"timeline.csv holds a wrong value.*attentive must be 1, 0 or empty"):
        load_session(tmp_path / "s")
