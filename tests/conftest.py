"""Shared fixtures: where ../shared is, real faces, and the classifier tests should use."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("YOLO_OFFLINE", "True")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VIDEOS = SHARED / "data" / "videos"
REFERENCE = SHARED / "models" / "reference"
ZOO_FER = REFERENCE / "facial_expression_recognition_mobilefacenet_2022july_int8.onnx"
YUNET = REFERENCE / "face_detection_yunet_2023mar.onnx"


def need_shared(path: Path) -> Path:
    """Skip the calling test with a reason when a ../shared file is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this check needs ../shared beside the checkout (CI has it)")
    return path


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """A real face photograph shipped by scikit-image."""
    from emolab.demo import astronaut_face

    return astronaut_face()


@pytest.fixture(scope="session")
def settings(tmp_path_factory):  # noqa: ANN001, ANN201
    from emolab.settings import Settings

    return Settings(sessions_dir=tmp_path_factory.mktemp("sessions"))


@pytest.fixture(scope="session")
def demo_clips(tmp_path_factory) -> tuple[Path, Path]:  # noqa: ANN001
    from emolab.demo import make_demo_ad, make_demo_camera

    folder = tmp_path_factory.mktemp("demo")
    ad = make_demo_ad(folder / "ad.mp4", seconds=4.0)
    cam = make_demo_camera(folder / "camera.mp4", seconds=3.0, fps=10.0)
    return ad, cam


def make_pipeline(settings):  # noqa: ANN001, ANN201
    """The engine's pipeline for report tests: YuNet from ../shared when present (faster than MTCNN)."""
    from emolab.pipeline import Pipeline

    return Pipeline.from_settings(settings, detector=str(YUNET) if YUNET.is_file() else None, classifier="auto")


def read_frames(src: Path) -> list[np.ndarray]:
    """Every frame of a video file."""
    cap = cv2.VideoCapture(str(src))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def subsample(src: Path, dst: Path, every: int) -> Path:
    """A real reaction video keeping every ``every``-th frame (fewer frames keep the tests fast)."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return write_video(dst, read_frames(src)[::every], fps / every)


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def turn_head(image: np.ndarray, landmarks: np.ndarray, yaw_deg: float) -> np.ndarray:
    """``image`` with the face at ``landmarks`` turned by ``yaw_deg`` (positive: to the person's left).

    The face is modelled as a vertical cylinder through the eyes (radius 1.3 eye spacings) with
    a nose ridge standing 0.38 eye spacings out at the nose tip. Each image row is rotated about
    the cylinder's axis and re-projected orthographically, keeping the nearest surface where it
    folds over, so the nose really moves across the cheek the way it does when a head turns.
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    eye = float(np.hypot(*(lm[1] - lm[0])))
    cx, eyes_y = float(lm[0, 0] + lm[1, 0]) / 2.0, float(lm[0, 1] + lm[1, 1]) / 2.0
    nose_x, nose_y = float(lm[2, 0]), float(lm[2, 1])
    radius = 1.3 * eye
    th = np.radians(yaw_deg)
    h, w = image.shape[:2]
    xs = np.linspace(0.0, w - 1.0, 4 * w)  # source columns, finely sampled
    cyl = np.sqrt(np.clip(radius**2 - (xs - cx) ** 2, 0.0, None))
    ridge_x = np.exp(-(((xs - nose_x) / (0.13 * eye)) ** 2))
    map_x = np.empty((h, w), np.float32)
    for y in range(h):
        along = (
            np.clip((y - eyes_y) / (nose_y - eyes_y), 0.0, 1.0)
            if y <= nose_y
            else np.exp(-(((y - nose_y) / (0.12 * eye)) ** 2))
        )
        height = cyl + 0.38 * eye * along * ridge_x
        u = cx + (xs - cx) * np.cos(th) + (height - radius) * np.sin(th)
        # Where the surface folds, the side turning away is hidden behind the nearer one.
        visible = np.maximum.accumulate(u) if th >= 0 else np.minimum.accumulate(u[::-1])[::-1]
        map_x[y] = np.interp(np.arange(w), visible, xs)
    map_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
