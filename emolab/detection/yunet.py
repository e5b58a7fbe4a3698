"""OpenCV's YuNet detector (boxes and 5 landmarks) when its ONNX file is in ``models/``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from emolab.detection.base import Detection, FaceDetector
from emolab.errors import ModelError
from emolab.modelcards import ModelCard


class YuNetDetector(FaceDetector):
    name = "yunet"

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40, threads: int = 1) -> None:
        super().__init__(card, threshold, min_face_px)
        path = card.weights_path
        if path is None or not Path(path).is_file():
            raise ModelError(f"YuNet model {path} is missing; place {card.file} in the models folder")
        cv2.setNumThreads(threads)
        try:
            self._model = cv2.FaceDetectorYN.create(str(path), "", (320, 320), threshold, 0.3, 50)
        except cv2.error as exc:
            raise ModelError(f"cannot load YuNet model {path}: {exc}. Is it the YuNet ONNX file?") from exc
        self._size: tuple[int, int] | None = None

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        h, w = image_bgr.shape[:2]
        if self._size != (w, h):
            self._model.setInputSize((w, h))
            self._size = (w, h)
        _, rows = self._model.detect(image_bgr)
        if rows is None:
            return []
        faces = []
        for row in rows:
            x, y, bw, bh = map(float, row[:4])
            # YuNet's points start with the subject's right eye, which is on the image's left.
            landmarks = np.asarray(row[4:14], np.float32).reshape(5, 2)
            faces.append(Detection(box=(x, y, x + bw, y + bh), score=float(row[14]), landmarks=landmarks))
        return self._keep(faces)
