"""A bundled example that needs no downloads: an ad and a camera stand-in made on the spot.

The "respondent" is the astronaut photograph that scikit-image ships (a real face: Eileen
Collins, NASA, public domain); the ad is a generated clip of coloured scenes with hard cuts,
so scene detection has something to find. The installed app carries that one image file
instead of scikit-image (``demo/astronaut.png`` in its bundle).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from emolab.errors import SourceError
from emolab.outputs import check_writable
from emolab.runtime import app_root, is_frozen

SCENES = (
    ((40, 90, 200), "Meet the product"),
    ((60, 170, 60), "It makes mornings easy"),
    ((200, 120, 40), "Only 9.99"),
    ((140, 40, 150), "Buy today"),
)


def _writer(path: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    check_writable(
        path.parent, "the demo clips", "choose a writable folder (--folder, or --demo-folder for the window)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # A .webm is VP8, which every browser plays (the respondent's page of emolab serve shows it).
    fourcc = "VP80" if path.suffix.lower() == ".webm" else "mp4v"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    if not writer.isOpened():
        raise SourceError(f"cannot write video {path}; check the folder is writable")
    return writer


def make_demo_ad(path: Path, seconds: float = 8.0, fps: float = 25.0, size: tuple[int, int] = (640, 360)) -> Path:
    """Write a synthetic ad with ``len(SCENES)`` scenes of equal length (hard cuts)."""
    path = Path(path)
    w, h = size
    n = int(round(seconds * fps))
    writer = _writer(path, fps, size)
    try:
        for i in range(n):
            scene = min(len(SCENES) - 1, i * len(SCENES) // n)
            color, text = SCENES[scene]
            img = np.full((h, w, 3), color, np.uint8)
            t = i / fps
            cx = int(w / 2 + w / 4 * np.sin(t * 2.0))
            cv2.circle(img, (cx, h // 2 + 40), 40, (255, 255, 255), -1)
            cv2.putText(img, text, (30, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
            writer.write(img)
    finally:
        writer.release()
    return path


def astronaut_path() -> Path:
    """The astronaut photograph: in the installed app's bundle, else in scikit-image's data folder."""
    if is_frozen():
        return app_root() / "demo" / "astronaut.png"
    spec = importlib.util.find_spec("skimage")  # found, not imported: scikit-image imports slowly
    if spec is None or spec.origin is None:
        raise SourceError("the demo needs scikit-image's astronaut photograph: run 'bash scripts/setup.sh'")
    return Path(spec.origin).parent / "data" / "astronaut.png"


def astronaut_face() -> np.ndarray:
    """A real face photograph (BGR) that a registry package ships (scikit-image's ``data.astronaut()``)."""
    path = astronaut_path()
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(f"cannot read the demo photograph {path}; reinstall emolab")
    return image


def make_demo_camera(
    path: Path, seconds: float = 8.0, fps: float = 15.0, size: tuple[int, int] = (640, 360), face_from_s: float = 0.5
) -> Path:
    """Write a webcam stand-in: a grey room, then the astronaut's face drifting gently."""
    path = Path(path)
    w, h = size
    photo = astronaut_face()[0:300, 100:380]  # head and shoulders
    writer = _writer(path, fps, size)
    try:
        for i in range(int(round(seconds * fps))):
            t = i / fps
            img = np.full((h, w, 3), 90, np.uint8)
            if t >= face_from_s:
                scale = 1.0 + 0.05 * np.sin(t)
                face = cv2.resize(photo, None, fx=scale, fy=scale)
                fh, fw = face.shape[:2]
                x = int(w / 2 - fw / 2 + 30 * np.sin(t * 0.7))
                y = int(h / 2 - fh / 2 + 10 * np.cos(t * 0.5))
                x0, y0 = max(0, x), max(0, y)
                x1, y1 = min(w, x + fw), min(h, y + fh)
                img[y0:y1, x0:x1] = face[y0 - y : y1 - y, x0 - x : x1 - x]
            writer.write(img)
    finally:
        writer.release()
    return path


#: Seconds of the demo ad and of its camera stand-in. The "respondent" keeps watching a little
#: after the ad ends, as a real one does: the window's last camera picture shows the face, and
#: the seconds after the ad are recorded as "post", not as ad time.
DEMO_AD_S = 8.0
DEMO_CAMERA_S = 10.0
_AD_FPS, _CAMERA_FPS = 25.0, 15.0


def _frame_count(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    finally:
        cap.release()


def ensure_demo(folder: Path) -> tuple[Path, Path]:
    """The demo ad and camera clip in ``folder``, made once (again when an older emolab made them otherwise)."""
    folder = Path(folder)
    ad = folder / "demo_ad.mp4"
    cam = folder / "demo_camera.mp4"
    if not ad.is_file() or _frame_count(ad) != round(DEMO_AD_S * _AD_FPS):
        make_demo_ad(ad, seconds=DEMO_AD_S, fps=_AD_FPS)
    if not cam.is_file() or _frame_count(cam) != round(DEMO_CAMERA_S * _CAMERA_FPS):
        make_demo_camera(cam, seconds=DEMO_CAMERA_S, fps=_CAMERA_FPS)
    return ad, cam
