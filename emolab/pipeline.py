"""The one pipeline: frame in, typed result out. The CLI, GUI worker and benchmarks share it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from emolab.capture.sources import Frame
from emolab.classification import EmotionClassifier, create_classifier, select_classifier_card
from emolab.detection import FaceDetector, create_detector, select_detector_card
from emolab.emotions import EMOTIONS, GROUP_OF
from emolab.pose import AttentionJudge, HeadPose, PoseSmoother, estimate_pose
from emolab.settings import Settings
from emolab.tracking import ViewerTracker
from emolab.tracking.face_finder import FaceFinder


@dataclass(frozen=True)
class FaceResult:
    """One face in one frame: where, who, and what it feels (raw and smoothed)."""

    viewer_id: int
    box: tuple[float, float, float, float]
    score: float
    probs: np.ndarray  # (7,) canonical order, this frame only
    smoothed: np.ndarray  # (7,) after per-viewer temporal smoothing
    landmarks: np.ndarray | None = None
    #: Head pose (yaw, pitch, roll in degrees), smoothed like ``smoothed``; None without landmarks.
    pose: HeadPose | None = None
    #: The pose is within the attention cone around the viewer's straight-ahead; None if unknown.
    attentive: bool | None = None

    @property
    def label(self) -> str:
        """The smoothed label (what curves and shares use)."""
        return EMOTIONS[int(np.argmax(self.smoothed))]

    @property
    def raw_label(self) -> str:
        return EMOTIONS[int(np.argmax(self.probs))]

    @property
    def group(self) -> str:
        return GROUP_OF[self.label]


@dataclass(frozen=True)
class FrameResult:
    """Everything the pipeline found in one frame, with milliseconds spent per stage."""

    frame_index: int
    timestamp_ms: float
    captured_at: float
    frame_size: tuple[int, int]
    faces: tuple[FaceResult, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    #: True when the full detector ran on this frame, False when followed faces were refined.
    full_detection: bool = True

    @property
    def has_face(self) -> bool:
        return bool(self.faces)


@dataclass(frozen=True)
class ModelChoice:
    name: str
    backend: str
    reason: str
    card: dict[str, Any]


class Pipeline:
    """Find faces → classify → track & smooth → head pose and attention.

    Frames larger than ``settings.detect_max_side`` are shrunk for detection only; the
    classifier crops faces from the full-resolution frame. Between full detections, followed
    faces are refined cheaply (:class:`emolab.tracking.face_finder.FaceFinder`).
    """

    def __init__(
        self,
        detector: FaceDetector,
        classifier: EmotionClassifier,
        settings: Settings,
        choices: tuple[ModelChoice, ModelChoice] | None = None,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.settings = settings
        self.tracker = ViewerTracker(settings.smoothing_s, settings.track_timeout_s)
        self.finder = FaceFinder(detector, settings.redetect_s, settings.max_faces)
        self.poses = PoseSmoother(settings.smoothing_s, settings.track_timeout_s)
        self.attention = AttentionJudge(settings.attention_yaw_deg, settings.attention_pitch_deg)
        self.choices = choices or (
            ModelChoice(detector.card.name, detector.card.backend, "given", detector.card.to_dict()),
            ModelChoice(classifier.card.name, classifier.card.backend, "given", classifier.card.to_dict()),
        )

    @classmethod
    def from_settings(cls, settings: Settings, detector: str | None = None, classifier: str | None = None) -> Pipeline:
        """Build the models that ``settings`` (or the explicit specs) select."""
        det_spec = detector or settings.detector
        cls_spec = classifier or settings.classifier
        det_card, det_why = select_detector_card(det_spec, settings)
        cls_card, cls_why = select_classifier_card(cls_spec, settings)
        choices = (
            ModelChoice(det_card.name, det_card.backend, det_why, det_card.to_dict()),
            ModelChoice(cls_card.name, cls_card.backend, cls_why, cls_card.to_dict()),
        )
        return cls(create_detector(det_spec, settings), create_classifier(cls_spec, settings), settings, choices)

    def describe(self) -> str:
        det, clf = self.choices
        return f"detector {det.name} ({det.backend}), classifier {clf.name} ({clf.backend})"

    def reset(self) -> None:
        """Forget viewers and their straight-ahead poses (a new session starts)."""
        self.tracker.reset()
        self.finder.reset()
        self.poses.reset()
        self.attention.reset()

    def process(self, frame: Frame, calibrating: bool = False) -> FrameResult:
        """Analyse one frame.

        Args:
            frame: the frame.
            calibrating: the frame belongs to the calibration seconds before the ad: its poses
                set each viewer's own straight-ahead for attention.
        """
        t0 = time.perf_counter()
        image = frame.image
        h, w = image.shape[:2]
        scale = min(1.0, self.settings.detect_max_side / max(h, w))
        small = (
            image
            if scale >= 1.0
            else cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        )
        faces, full = self.finder.find(small, frame.timestamp_ms)
        if scale < 1.0:
            faces = [f.scaled(1.0 / scale) for f in faces]
        t1 = time.perf_counter()
        probs = self.classifier.predict(image, faces)
        t2 = time.perf_counter()
        tracked = self.tracker.update(faces, probs, frame.timestamp_ms)
        t3 = time.perf_counter()
        results = []
        for i, (f, (vid, smooth)) in enumerate(zip(faces, tracked)):
            pose = self.poses.update(vid, estimate_pose(f.landmarks, (w, h)), frame.timestamp_ms)
            if calibrating:
                self.attention.observe(vid, pose)
            results.append(
                FaceResult(
                    viewer_id=vid,
                    box=f.box,
                    score=f.score,
                    probs=probs[i],
                    smoothed=smooth,
                    landmarks=f.landmarks,
                    pose=pose,
                    attentive=self.attention.attentive(vid, pose),
                )
            )
        t4 = time.perf_counter()
        timings = {
            "detect": (t1 - t0) * 1000.0,
            "classify": (t2 - t1) * 1000.0,
            "track": (t3 - t2) * 1000.0,
            "pose": (t4 - t3) * 1000.0,
            "total": (t4 - t0) * 1000.0,
        }
        return FrameResult(
            frame_index=frame.index,
            timestamp_ms=frame.timestamp_ms,
            captured_at=frame.captured_at,
            frame_size=(w, h),
            faces=tuple(results),
            timings_ms=timings,
            full_detection=full,
        )
