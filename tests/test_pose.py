"""Head pose from five landmarks and attention: geometry, smoothing, calibration, real faces."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolab.analysis import analyze_video
from emolab.capture.sources import Frame
from emolab.demo import make_demo_ad
from emolab.pipeline import Pipeline
from emolab.pose import AttentionJudge, HeadPose, PoseSmoother, estimate_pose, project_model
from emolab.report import rebuild_with_scenes
from emolab.settings import Settings
from emolab.tracking.tracker import ViewerTracker
from tests.conftest import VIDEOS, YUNET, need_shared, turn_head, write_video

SIZE = (640, 360)


def _error(est: HeadPose, true: HeadPose) -> float:
    return max(abs(a - b) for a, b in zip(est, true))


# ---- geometry ---------------------------------------------------------------------------------


def test_projected_model_poses_are_estimated_back_within_3_degrees():
    """Every combination of ±60° yaw, ±40° pitch, ±30° roll, anywhere in the frame, near or far."""
    worst = 0.0
    for yaw, pitch, roll in itertools.product(range(-60, 61, 15), range(-40, 41, 10), range(-30, 31, 15)):
        true = HeadPose(yaw, pitch, roll)
        for centre, distance in ((None, 650.0), ((110.0, 70.0), 500.0), ((560.0, 300.0), 1200.0)):
            est = estimate_pose(project_model(true, SIZE, distance, centre), SIZE)
            assert est is not None, (true, centre)
            worst = max(worst, _error(est, true))
    assert worst < 3.0


def test_sign_conventions_seen_in_the_image():
    """Yaw + = turned to the person's left (nose to the image's right), pitch + = up, roll + = left shoulder."""
    front = project_model(HeadPose(0, 0, 0), SIZE)
    eyes_mid = lambda lm: (lm[0] + lm[1]) / 2  # noqa: E731
    left = project_model(HeadPose(30, 0, 0), SIZE)
    assert left[2, 0] - eyes_mid(left)[0] > 5  # the nose tip swings toward the image's right
    up = project_model(HeadPose(0, 20, 0), SIZE)
    assert (up[2, 1] - eyes_mid(up)[1]) < (front[2, 1] - eyes_mid(front)[1]) - 5  # nose rises toward the eyes
    tilt = project_model(HeadPose(0, 0, 20), SIZE)
    assert tilt[1, 1] > tilt[0, 1] + 10  # the eye on the image's right drops
    for pose, lm in ((HeadPose(30, 0, 0), left), (HeadPose(0, 20, 0), up), (HeadPose(0, 0, 20), tilt)):
        assert _error(estimate_pose(lm, SIZE), pose) < 0.5


def test_a_smile_does_not_read_as_a_nod():
    """Mouth corners lifted and widened by a smile leave the pose alone (they only break ties)."""
    for pose in (HeadPose(0, 0, 0), HeadPose(20, -10, 5)):
        lm = project_model(pose, SIZE)
        eye = float(np.hypot(*(lm[1] - lm[0])))
        smile = lm.copy()
        smile[3:, 1] -= 0.15 * eye
        smile[3, 0] -= 0.12 * eye
        smile[4, 0] += 0.12 * eye
        assert _error(estimate_pose(smile, SIZE), pose) < 1.0


def test_noisy_landmarks_keep_the_direction_of_a_turn():
    rng = np.random.default_rng(7)
    for yaw, pitch in itertools.product((-45, -25, 25, 45), (-20, 0, 20)):
        lm = project_model(HeadPose(yaw, pitch, 0), SIZE, distance_mm=450)  # eyes ~90 px apart
        for _ in range(10):
            est = estimate_pose(lm + rng.normal(0, 0.9, lm.shape), SIZE)  # 1% of the eye distance
            assert est is not None and np.sign(est.yaw) == np.sign(yaw)
            assert abs(est.yaw - yaw) < 10 and abs(est.pitch - pitch) < 12


def test_falls_back_to_sqpnp_when_p3p_fails(monkeypatch):
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise cv2.error("P3P unavailable")

    monkeypatch.setattr(cv2, "solveP3P", broken)
    for pose in (HeadPose(35, -15, 10), HeadPose(-50, 25, -20)):
        assert _error(estimate_pose(project_model(pose, SIZE), SIZE), pose) < 3.0


def test_impossible_landmarks_give_no_pose():
    lm = project_model(HeadPose(0, 0, 0), SIZE)
    assert estimate_pose(None, SIZE) is None
    assert estimate_pose(np.full((5, 2), np.nan), SIZE) is None
    assert estimate_pose(lm[:4], SIZE) is None
    assert estimate_pose(np.zeros((5, 2)), SIZE) is None
    assert estimate_pose(lm[[3, 4, 2, 0, 1]], SIZE) is None  # mouth above the eyes: upside down
    scattered = lm.copy()
    scattered[2] = (600.0, 20.0)  # a "nose" far outside the face
    assert estimate_pose(scattered, SIZE) is None


# ---- smoothing and the attention cone ---------------------------------------------------------


def test_pose_is_smoothed_with_the_probabilities_time_constant():
    """A step in yaw follows exactly the curve a step in a probability follows."""
    from emolab.detection.base import Detection

    smoother, tracker = PoseSmoother(0.3, 1.5), ViewerTracker(0.3, 1.5)
    face = [Detection(box=(0.0, 0.0, 50.0, 50.0), score=1.0)]
    smoother.update(1, HeadPose(0, 0, 0), 0.0)
    tracker.update(face, np.array([[0.0] * 6 + [1.0]]), 0.0)
    for t in (100.0, 300.0, 700.0):
        pose = smoother.update(1, HeadPose(40.0, -20.0, 10.0), t)
        ((_, p),) = tracker.update(face, np.array([[1.0] + [0.0] * 6]), t)
        assert pose.yaw == pytest.approx(40.0 * p[0], rel=1e-5)
        assert pose.pitch == pytest.approx(-20.0 * p[0], rel=1e-5)
    assert smoother.update(1, None, 720.0) is None, "a frame without a pose reports none"
    assert smoother.update(1, HeadPose(0, 0, 0), 740.0).yaw > 30.0, "and keeps the viewer's state"
    assert smoother.update(1, HeadPose(0, 0, 0), 5000.0).yaw == 0.0, "a viewer gone for long starts afresh"


def test_attention_cone_around_calibrated_straight_ahead():
    judge = AttentionJudge(yaw_deg=25.0, pitch_deg=20.0)
    low_camera = HeadPose(3.0, -28.0, 0.0)  # looking at a screen well above the camera
    assert judge.reference(1) == (0.0, 0.0)
    assert judge.attentive(1, low_camera) is False, "without calibration: the camera's straight-ahead"
    assert judge.attentive(1, HeadPose(24.9, -19.9, 80.0)) is True, "inside the cone, whatever the roll"
    assert judge.attentive(1, HeadPose(25.1, 0.0, 0.0)) is False
    assert judge.attentive(1, None) is None
    for yaw, pitch in ((4.0, -27.0), (2.0, -29.0), (3.0, -28.0), (40.0, 10.0), (3.5, -28.5)):
        judge.observe(1, HeadPose(yaw, pitch, 0.0))  # one glance away during calibration is outvoted
    assert judge.reference(1) == (3.5, -28.0)
    assert judge.attentive(1, low_camera) is True
    assert judge.attentive(1, HeadPose(3.0, 0.0, 0.0)) is False, "looking 28° above the screen"
    judge.observe(2, HeadPose(-10.0, 0.0, 0.0))
    assert judge.reference(3) == (3.25, -27.5), "a viewer not seen in calibration takes everyone's median"
    judge.reset()
    assert judge.reference(1) == (0.0, 0.0)


# ---- real faces through the real pipeline -----------------------------------------------------


@pytest.mark.parametrize("detector", ["mtcnn", "yunet"])
def test_detectors_give_the_landmark_order_pose_expects(detector, settings, astronaut_bgr):
    """Image-left eye, image-right eye, nose, image-left and image-right mouth corner."""
    from emolab.detection import create_detector

    spec = "mtcnn" if detector == "mtcnn" else str(need_shared(YUNET))
    (face,) = create_detector(spec, settings).detect(astronaut_bgr)[:1]
    lm = face.landmarks
    assert lm.shape == (5, 2)
    assert lm[0, 0] < lm[2, 0] < lm[1, 0] and lm[3, 0] < lm[4, 0]
    assert max(lm[0, 1], lm[1, 1]) < lm[2, 1] < min(lm[3, 1], lm[4, 1])
    h, w = astronaut_bgr.shape[:2]
    pose = estimate_pose(lm, (w, h))
    assert pose is not None and abs(pose.yaw) < 25 and abs(pose.pitch) < 25


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "timeline.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def mtcnn_pipeline(tmp_path_factory):  # noqa: ANN001, ANN201
    settings = Settings(sessions_dir=tmp_path_factory.mktemp("sessions"))
    return Pipeline.from_settings(settings, detector="mtcnn", classifier="auto")


@pytest.fixture(scope="module")
def ad6(tmp_path_factory) -> Path:  # noqa: ANN001
    return make_demo_ad(tmp_path_factory.mktemp("ad") / "ad.mp4", seconds=6.0)


def test_frontal_face_is_attentive_on_95_percent_of_frames(tmp_path, mtcnn_pipeline, ad6):
    video = need_shared(VIDEOS / "single_face.mp4")
    folder, summary = analyze_video(ad6, video, mtcnn_pipeline.settings, out=tmp_path / "s", pipeline=mtcnn_pipeline)
    rows = [r for r in _rows(folder) if r["phase"] == "ad"]
    assert len(rows) == 72 and all(r["viewer_id"] == "1" for r in rows)
    attentive = [r["attentive"] for r in rows]
    assert set(attentive) <= {"0", "1"} and attentive.count("1") >= 0.95 * len(rows)
    assert summary["attention_share"] == pytest.approx(attentive.count("1") / len(rows))
    yaw = np.array([float(r["yaw"]) for r in rows])
    pitch = np.array([float(r["pitch"]) for r in rows])
    assert np.abs(yaw).max() < 15 and np.abs(pitch).max() < 15, "the smile must not read as a nod"
    assert summary["attention_reference"] == {"1": {"yaw": 0.0, "pitch": 0.0, "from": "camera"}}


def test_no_face_is_never_attentive(tmp_path, mtcnn_pipeline, ad6):
    video = need_shared(VIDEOS / "no_face.mp4")
    folder, summary = analyze_video(ad6, video, mtcnn_pipeline.settings, out=tmp_path / "s", pipeline=mtcnn_pipeline)
    rows = _rows(folder)
    assert rows and all(r["viewer_id"] == "" and r["attentive"] == "" and r["yaw"] == "" for r in rows)
    assert summary["attention_share"] == 0.0
    by_scene = rebuild_with_scenes(folder)["attention_by_scene"]
    assert by_scene and all(s["attention_share"] in (0.0, None) for s in by_scene)


@pytest.mark.parametrize("detector", ["mtcnn", "yunet"])
def test_a_face_turned_away_is_not_attentive(detector, mtcnn_pipeline):
    """The frontal face is attentive; the same face turned 50° either way is found but is not."""
    video = need_shared(VIDEOS / "single_face.mp4")
    pipeline = mtcnn_pipeline
    if detector == "yunet":
        pipeline = Pipeline(
            Pipeline.from_settings(mtcnn_pipeline.settings, detector=str(need_shared(YUNET))).detector,
            mtcnn_pipeline.classifier,
            mtcnn_pipeline.settings,
        )
    cap = cv2.VideoCapture(str(video))
    ok, image = cap.read()
    cap.release()
    assert ok
    cone = pipeline.settings.attention_yaw_deg

    def analyse(img: np.ndarray):  # noqa: ANN202
        pipeline.reset()  # a fresh viewer: no smoothing toward an earlier pose
        (face,) = pipeline.process(Frame(image=img, index=0, timestamp_ms=0.0, captured_at=0.0)).faces
        return face

    front = analyse(image)
    assert front.attentive is True and abs(front.pose.yaw) < 10
    for yaw in (50, -50):
        turned = analyse(turn_head(image, front.landmarks, yaw))
        assert turned.pose is not None, f"{detector} lost the landmarks of a face turned {yaw}°"
        assert math.copysign(1, turned.pose.yaw) == math.copysign(1, yaw), "turned the wrong way"
        assert abs(turned.pose.yaw) > cone and turned.attentive is False


def test_calibration_makes_an_off_axis_camera_straight_ahead(tmp_path, mtcnn_pipeline, ad6):
    """A camera 50° to the side: facing the screen reads as a turned head, unless calibrated."""
    video = need_shared(VIDEOS / "single_face.mp4")
    detector = Pipeline.from_settings(mtcnn_pipeline.settings, detector=str(need_shared(YUNET))).detector
    cap = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < 72:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    turned = [turn_head(f, detector.detect(f)[0].landmarks, -50) for f in frames[::3]]  # 24 frames
    reaction = write_video(tmp_path / "side_camera.mp4", turned + turned[::-1], fps=10.0)  # 4.8 s
    shares = {}
    for calibration_s in (0.0, 1.0):
        settings = mtcnn_pipeline.settings.replace(calibration_s=calibration_s)
        pipeline = Pipeline(detector, mtcnn_pipeline.classifier, settings)
        folder, summary = analyze_video(
            ad6, reaction, settings, out=tmp_path / f"c{calibration_s}", offset_s=1.0, pipeline=pipeline
        )
        shares[calibration_s] = summary["attention_share"]
        ref = summary["attention_reference"]["1"]
        if calibration_s:
            assert ref["from"] == "own calibration" and ref["yaw"] < -35
            calib = [r for r in _rows(folder) if r["phase"] == "calibration"]
            assert ref["yaw"] == pytest.approx(float(np.median([float(r["yaw"]) for r in calib])), abs=1e-3)
    assert shares[0.0] <= 0.05 and shares[1.0] >= 0.95
