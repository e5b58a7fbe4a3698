"""Head pose from a face detector's five landmarks, and whether the face looks at the screen.

The five points (eye on the image's left, eye on the image's right, nose tip, mouth corner on
the image's left, mouth corner on the image's right: the order of
:class:`~emolab.detection.base.Detection`) are fitted to a generic adult face
(:data:`MODEL_MM`) with OpenCV's P3P and PnP solvers (see :func:`estimate_pose`).

Camera assumption: an ideal pinhole whose focal length equals the frame width in pixels
(a horizontal field of view of 53°, between a narrow webcam and a laptop's), principal point
at the frame centre, no lens distortion. Faces are small and far compared with the focal
length, so the angles depend little on this guess (mostly on the landmarks' positions relative
to each other).

Angles are in degrees, measured **relative to the line from the camera to the face**, so a
person facing the camera reads (0, 0, 0) wherever they sit in the picture:

- ``yaw`` > 0: the head turns to the respondent's own **left** (in an unmirrored camera
  image the nose moves to the image's right);
- ``pitch`` > 0: the head tilts **up** (chin up, nose moves up in the image);
- ``roll`` > 0: the head tilts toward the respondent's **left shoulder** (in the image, the
  eye on the right is lower than the eye on the left).

They are Tait-Bryan angles applied yaw first, then pitch, then roll, so yaw and pitch are
exactly the horizontal and vertical angle between the face's forward direction and the line
to the camera: the attention cone is a plain limit on each. All three are clamped to ±90°
(the detectors find no face turned further).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np

from emolab.tracking.tracker import exp_smooth

#: A generic adult face in millimetres, in the camera's axes when it faces the camera
#: (x to the image's right, y down, z away from the camera), origin at the nose point.
#: Eye centres 63 mm apart and the mouth 50 mm wide (adult averages); the nose tip 24 mm in
#: front of the eyes and 22 mm in front of the mouth corners. The vertical spacing follows
#: where MTCNN and YuNet put their points on a frontal face (their nose point sits 0.61 eye
#: spacings below the eyes, the mouth corners 1.13), so a face looking into the camera reads
#: a pitch within about ±5° of 0 with either detector.
MODEL_MM = np.array(
    [
        [-31.5, -38.5, 24.0],  # eye on the image's left (the respondent's right eye)
        [31.5, -38.5, 24.0],  # eye on the image's right
        [0.0, 0.0, 0.0],  # nose tip
        [-25.0, 33.0, 22.0],  # mouth corner on the image's left
        [25.0, 33.0, 22.0],  # mouth corner on the image's right
    ],
    dtype=np.float64,
)
MAX_ANGLE_DEG = 90.0
#: A fit whose landmarks are further than this from the model's projection (RMS, in units of
#: the face's size: the larger of the eye spacing and the eyes-to-mouth distance) is not a
#: face pose: the landmarks are inconsistent (a detector error).
MAX_FIT_ERROR = 0.35


class HeadPose(NamedTuple):
    """Yaw, pitch and roll in degrees (signs in the module's docstring)."""

    yaw: float
    pitch: float
    roll: float


def camera_matrix(frame_size: tuple[int, int]) -> np.ndarray:
    """The assumed pinhole: focal length = frame width, principal point at the centre."""
    w, h = frame_size
    return np.array([[w, 0.0, w / 2.0], [0.0, w, h / 2.0], [0.0, 0.0, 1.0]], dtype=np.float64)


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rotation_of(pose: HeadPose) -> np.ndarray:
    """The head's rotation (relative to facing the camera) for ``pose``.

    ``Ry Rx Rz`` in camera axes (y down): a positive ``Ry`` angle turns the nose to the image's
    left and a positive ``Rx`` angle turns it down, hence the minus signs.
    """
    return _ry(math.radians(-pose.yaw)) @ _rx(math.radians(-pose.pitch)) @ _rz(math.radians(pose.roll))


def pose_of(rotation: np.ndarray) -> HeadPose:
    """Inverse of :func:`rotation_of`, clamped to ±``MAX_ANGLE_DEG``."""
    r = rotation
    b = math.asin(max(-1.0, min(1.0, -r[1, 2])))
    a = math.atan2(r[0, 2], r[2, 2])
    c = math.atan2(r[1, 0], r[1, 1])
    return HeadPose(*(max(-MAX_ANGLE_DEG, min(MAX_ANGLE_DEG, math.degrees(v))) for v in (-a, -b, c)))


def _line_of_sight(ray: np.ndarray) -> np.ndarray:
    """The rotation turning the camera's optical axis onto ``ray`` with no roll (Ry Rx)."""
    ray = ray / np.linalg.norm(ray)
    return _ry(math.atan2(ray[0], ray[2])) @ _rx(math.asin(max(-1.0, min(1.0, -ray[1]))))


def project_model(
    pose: HeadPose,
    frame_size: tuple[int, int],
    distance_mm: float = 650.0,
    centre_px: tuple[float, float] | None = None,
) -> np.ndarray:
    """The five landmarks (5, 2) the camera would see of the model face at ``pose``.

    The face sits ``distance_mm`` from the camera along the ray through ``centre_px``
    (default: the frame centre); ``pose`` is relative to that line of sight, as
    :func:`estimate_pose` reports it.
    """
    k = camera_matrix(frame_size)
    cx, cy = centre_px if centre_px is not None else (k[0, 2], k[1, 2])
    ray = np.array([(cx - k[0, 2]) / k[0, 0], (cy - k[1, 2]) / k[1, 1], 1.0])
    ray /= np.linalg.norm(ray)
    rotation = _line_of_sight(ray) @ rotation_of(pose)
    points = MODEL_MM @ rotation.T + ray * distance_mm
    uv = points @ k.T
    return uv[:, :2] / uv[:, 2:3]


def _plausible(
    rvec: np.ndarray, tvec: np.ndarray, pts: np.ndarray, k: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rotation and per-point reprojection errors (px) of a PnP solution, or None if implausible.

    Implausible: not finite, the face behind the camera, or the face turned away from it.
    """
    t = tvec.ravel()
    if not (np.all(np.isfinite(rvec)) and np.all(np.isfinite(t))) or t[2] <= 0:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    if float(rotation[:, 2] @ t) <= 0.0:  # the face's forward (-z) must point back at the camera
        return None
    uvw = (MODEL_MM @ rotation.T + t) @ k.T
    if np.any(uvw[:, 2] <= 0):
        return None
    return rotation, np.hypot(*(uvw[:, :2] / uvw[:, 2:3] - pts).T)


def estimate_pose(landmarks: np.ndarray | None, frame_size: tuple[int, int]) -> HeadPose | None:
    """Yaw, pitch and roll of the face whose five ``landmarks`` (frame pixels) are given.

    The pose is solved from the eyes and the nose tip alone (AP3P), because the mouth corners
    move with expressions: a smile lifts and widens them, which a five-point fit reads as the
    head pitching down by 20-30°. The mouth corners only pick, among P3P's up to four
    solutions, the one that predicts them best (which way the nose points: so few points leave
    that mirror ambiguity). If no plausible P3P solution exists (face behind the camera or
    turned away from it), SQPnP on all five points is used instead. A fit whose RMS error over
    the five points exceeds ``MAX_FIT_ERROR`` of the face's size is rejected.

    Returns:
        The pose, or None without landmarks or when no plausible pose fits them.
    """
    if landmarks is None:
        return None
    pts = np.asarray(landmarks, dtype=np.float64).reshape(-1, 2)
    if pts.shape != (5, 2) or not np.all(np.isfinite(pts)):
        return None
    scale_px = max(float(np.hypot(*(pts[1] - pts[0]))), float(np.hypot(*((pts[3] + pts[4] - pts[0] - pts[1]) / 2))))
    if scale_px < 1.0:
        return None
    k = camera_matrix(frame_size)
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
    try:
        _, rvecs, tvecs = cv2.solveP3P(MODEL_MM[:3], pts[:3], k, None, flags=cv2.SOLVEPNP_AP3P)
    except cv2.error:
        rvecs, tvecs = (), ()
    for rvec, tvec in zip(rvecs, tvecs):
        fit = _plausible(rvec, tvec, pts, k)
        if fit is not None and (best is None or fit[1][3:].sum() < best[0]):
            best = (float(fit[1][3:].sum()), fit[0], tvec.ravel(), fit[1])
    if best is None:
        try:
            ok, rvec, tvec = cv2.solvePnP(MODEL_MM, pts, k, None, flags=cv2.SOLVEPNP_SQPNP)
            fit = _plausible(rvec, tvec, pts, k) if ok else None
        except cv2.error:
            fit = None
        if fit is None:
            return None
        best = (0.0, fit[0], tvec.ravel(), fit[1])
    _, rotation, t, errors = best
    if float(np.sqrt(np.mean(errors**2))) > MAX_FIT_ERROR * scale_px:
        return None
    return pose_of(_line_of_sight(t).T @ rotation)


class PoseSmoother:
    """Per-viewer exponential smoothing of poses, with the probabilities' time constant.

    Uses the tracker's :func:`~emolab.tracking.tracker.exp_smooth`, so a pose and the emotion
    of the same frame lag equally. A frame without a pose leaves the viewer's state untouched
    and reports no pose; viewers unseen for ``timeout_s`` are forgotten.
    """

    def __init__(self, smoothing_s: float, timeout_s: float) -> None:
        self.tau_ms = smoothing_s * 1000.0
        self.timeout_ms = timeout_s * 1000.0
        self._state: dict[int, tuple[float, np.ndarray]] = {}

    def reset(self) -> None:
        self._state.clear()

    def update(self, viewer_id: int, pose: HeadPose | None, t_ms: float) -> HeadPose | None:
        self._state = {v: s for v, s in self._state.items() if t_ms - s[0] <= self.timeout_ms}
        if pose is None:
            return None
        value = np.asarray(pose, dtype=np.float64)
        previous = self._state.get(viewer_id)
        if previous is None:
            smoothed = value
        else:
            smoothed = exp_smooth(previous[1], value, t_ms - previous[0], self.tau_ms)
        self._state[viewer_id] = (t_ms, smoothed)
        return HeadPose(*map(float, smoothed))


class AttentionJudge:
    """Decides whether a pose looks at the screen: within the cone around straight-ahead.

    Straight-ahead is the respondent's own median pose over the calibration frames when the
    session has them (:meth:`observe` is fed during calibration), else facing the camera
    (0, 0). A viewer who was not seen during calibration uses the median of everyone who was.
    Roll does not matter: a tilted head still looks at the screen.
    """

    def __init__(self, yaw_deg: float, pitch_deg: float) -> None:
        self.yaw_deg = yaw_deg
        self.pitch_deg = pitch_deg
        self._samples: dict[int, list[tuple[float, float]]] = {}
        self._cache: dict[int | None, tuple[float, float]] = {}

    def reset(self) -> None:
        self._samples.clear()
        self._cache.clear()

    def observe(self, viewer_id: int, pose: HeadPose | None) -> None:
        """Record a calibration-frame pose of ``viewer_id``."""
        if pose is not None:
            self._samples.setdefault(viewer_id, []).append((pose.yaw, pose.pitch))
            self._cache.clear()

    def reference(self, viewer_id: int | None = None) -> tuple[float, float]:
        """The (yaw, pitch) a viewer looks at the screen with."""
        if viewer_id not in self._cache:
            samples = self._samples.get(viewer_id) if viewer_id is not None else None
            if not samples:
                samples = [s for v in self._samples.values() for s in v]
            self._cache[viewer_id] = (
                tuple(float(m) for m in np.median(np.asarray(samples), axis=0)) if samples else (0.0, 0.0)
            )
        return self._cache[viewer_id]

    def attentive(self, viewer_id: int, pose: HeadPose | None) -> bool | None:
        """True within the cone, False outside it, None when the pose is unknown."""
        if pose is None:
            return None
        yaw0, pitch0 = self.reference(viewer_id)
        return abs(pose.yaw - yaw0) <= self.yaw_deg and abs(pose.pitch - pitch0) <= self.pitch_deg
