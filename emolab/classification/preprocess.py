"""Face crops and alignment shared by every classifier, by training and by evaluation.

Keeping one implementation is what makes a model see at run time the same kind of crop it
was trained and measured on.
"""

from __future__ import annotations

import cv2
import numpy as np

from emolab.detection.base import Detection

#: ArcFace's 5-point template for a 112x112 aligned face (eyes, nose, mouth corners).
ARCFACE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


def square_box(box: tuple[float, float, float, float], margin: float = 0.0) -> tuple[float, float, float, float]:
    """A square around ``box``'s centre with side ``max(w, h) * (1 + margin)``."""
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = max(x2 - x1, y2 - y1) * (1.0 + margin)
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def crop_box(
    image: np.ndarray,
    box: tuple[float, float, float, float],
    size: int | tuple[int, int],
    margin: float = 0.0,
    square: bool = True,
) -> np.ndarray:
    """Crop ``box`` (grown by ``margin`` of its side) and resize to ``size``.

    Parts of the box outside the frame are filled by replicating the border, so faces at the
    frame's edge keep their position inside the crop. Works on gray or colour images.
    """
    out_w, out_h = (size, size) if isinstance(size, int) else size
    if square:
        x1, y1, x2, y2 = square_box(box, margin)
    else:
        bx1, by1, bx2, by2 = box
        dx, dy = (bx2 - bx1) * margin / 2, (by2 - by1) * margin / 2
        x1, y1, x2, y2 = bx1 - dx, by1 - dy, bx2 + dx, by2 + dy
    sx = out_w / max(x2 - x1, 1e-6)
    sy = out_h / max(y2 - y1, 1e-6)
    matrix = np.array([[sx, 0, -x1 * sx], [0, sy, -y1 * sy]], dtype=np.float32)
    interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, matrix, (out_w, out_h), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def landmarks_from_box(box: tuple[float, float, float, float]) -> np.ndarray:
    """Typical 5 landmarks of a frontal face filling ``box`` (for detectors that give none)."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    rel = np.array([[0.32, 0.40], [0.68, 0.40], [0.50, 0.58], [0.36, 0.76], [0.64, 0.76]], dtype=np.float32)
    return np.stack([x1 + rel[:, 0] * w, y1 + rel[:, 1] * h], axis=1).astype(np.float32)


def align_five_points(image: np.ndarray, landmarks: np.ndarray, size: int = 112) -> np.ndarray:
    """Warp a face so its 5 landmarks match the ArcFace template scaled to ``size``."""
    template = ARCFACE_112 * (size / 112.0)
    matrix, _ = cv2.estimateAffinePartial2D(np.asarray(landmarks, dtype=np.float32), template, method=cv2.LMEDS)
    if matrix is None:  # degenerate landmarks: fall back to the box they span
        xs, ys = landmarks[:, 0], landmarks[:, 1]
        return crop_box(image, (xs.min(), ys.min(), xs.max(), ys.max()), size, margin=0.8)
    return cv2.warpAffine(image, matrix, (size, size), borderMode=cv2.BORDER_REPLICATE)


def to_color(image_bgr: np.ndarray, color: str) -> np.ndarray:
    """Convert a BGR (or gray) image to ``gray``, ``rgb`` or ``bgr``."""
    if image_bgr.ndim == 2:
        gray = image_bgr
        if color == "gray":
            return gray
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR if color == "bgr" else cv2.COLOR_GRAY2RGB)
    if color == "gray":
        return cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    if color == "rgb":
        return cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    return image_bgr


def whole_image_detection(image: np.ndarray) -> Detection:
    """Treat a whole (already cropped) face image as one detection, e.g. a FER2013 picture."""
    h, w = image.shape[:2]
    box = (0.0, 0.0, float(w), float(h))
    return Detection(box=box, score=1.0, landmarks=landmarks_from_box(box))
