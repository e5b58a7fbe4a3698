"""The face-detector interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emolab.modelcards import ModelCard


@dataclass(frozen=True)
class Detection:
    """One face in frame pixels.

    ``landmarks`` is a (5, 2) array — left eye, right eye, nose tip, left and right mouth
    corner, "left" meaning the image's left — or None when the model gives none.
    """

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    score: float
    landmarks: np.ndarray | None = None

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def scaled(self, factor: float) -> Detection:
        """The same face in a frame ``factor`` times larger."""
        box = tuple(float(v) * factor for v in self.box)
        lm = None if self.landmarks is None else self.landmarks * factor
        return Detection(box=box, score=self.score, landmarks=lm)  # type: ignore[arg-type]


class FaceDetector(ABC):
    """Finds faces in a BGR frame. Build it once; call :meth:`detect` per frame."""

    #: Registry name (``mtcnn``, ``yolo``, ``yunet``).
    name: str = ""
    #: Whether :meth:`refine` is implemented (a cheap update of faces followed from the last frame).
    can_refine: bool = False

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40) -> None:
        self.card = card
        self.threshold = threshold
        self.min_face_px = min_face_px

    @abstractmethod
    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        """Faces in ``image_bgr`` (H, W, 3 uint8), most confident first."""

    def refine(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> list[Detection]:
        """``faces`` (boxes from a recent frame) re-located in ``image_bgr``; those no longer found are dropped.

        Only detectors with ``can_refine`` implement it.
        """
        raise NotImplementedError(f"the {self.name} detector cannot refine faces; check can_refine first")

    def _keep(self, faces: list[Detection]) -> list[Detection]:
        kept = [f for f in faces if f.score >= self.threshold and min(f.width, f.height) >= self.min_face_px]
        return sorted(kept, key=lambda f: -f.score)
