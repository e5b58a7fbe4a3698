"""MTCNN from facenet-pytorch: the embedded default (its weights ship inside the package)."""

from __future__ import annotations

import numpy as np

from emolab.detection.base import Detection, FaceDetector
from emolab.modelcards import ModelCard


class MTCNNDetector(FaceDetector):
    name = "mtcnn"

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40, threads: int = 1) -> None:
        super().__init__(card, threshold, min_face_px)
        import torch
        from facenet_pytorch import MTCNN

        torch.set_num_threads(threads)
        # MTCNN's own image pyramid starts at min_face_size: a larger minimum means fewer,
        # cheaper pyramid levels, which is what makes it real-time on a CPU.
        self._model = MTCNN(keep_all=True, device="cpu", min_face_size=max(12, int(min_face_px)), post_process=False)

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        import torch

        rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
        with torch.inference_mode():
            boxes, probs, points = self._model.detect(rgb, landmarks=True)
        if boxes is None:
            return []
        faces = [
            Detection(box=tuple(map(float, b)), score=float(p), landmarks=np.asarray(lm, np.float32))
            for b, p, lm in zip(boxes, probs, points)
        ]
        return self._keep(faces)
