"""YOLO face detectors through ultralytics (the prototype's ``face_detector_yolov8n.pt``).

Never downloads: the weights must be a file the user placed; ultralytics runs offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from emolab.detection.base import Detection, FaceDetector
from emolab.errors import ModelError
from emolab.modelcards import ModelCard


class YOLODetector(FaceDetector):
    name = "yolo"

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40, threads: int = 1) -> None:
        super().__init__(card, threshold, min_face_px)
        path = card.weights_path
        if path is None or not Path(path).is_file():
            raise ModelError(f"YOLO face model {path} is missing; place {card.file} in the models folder")
        os.environ.setdefault("YOLO_OFFLINE", "True")
        import torch

        torch.set_num_threads(threads)
        try:
            from ultralytics import YOLO

            self._model = YOLO(str(path), task="pose" if card.input.get("keypoints") else None)
        except Exception as exc:  # ultralytics raises many kinds for a bad file
            raise ModelError(f"cannot load YOLO model {path}: {exc}. Use an ultralytics .pt face model.") from exc
        self.imgsz = int(card.input.get("imgsz", 320))
        self.pad_px = float(card.input.get("pad_px", 0))

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        results = self._model.predict(image_bgr, imgsz=self.imgsz, conf=self.threshold, verbose=False, device="cpu")
        result = results[0]
        if result.boxes is None or len(result.boxes) == 0:
            return []
        boxes = result.boxes.xyxy.cpu().numpy()
        scores = result.boxes.conf.cpu().numpy()
        keypoints = None
        if getattr(result, "keypoints", None) is not None and result.keypoints.xy.shape[1] >= 5:
            keypoints = result.keypoints.xy.cpu().numpy()[:, :5]
        h, w = image_bgr.shape[:2]
        faces = []
        for i, (box, score) in enumerate(zip(boxes, scores)):
            x1, y1, x2, y2 = box
            # The prototype padded its boxes by a few pixels; the card says how many.
            x1, y1 = max(0.0, x1 - self.pad_px), max(0.0, y1 - self.pad_px)
            x2, y2 = min(float(w), x2 + self.pad_px), min(float(h), y2 + self.pad_px)
            lm = None if keypoints is None else keypoints[i].astype(np.float32)
            faces.append(Detection(box=(float(x1), float(y1), float(x2), float(y2)), score=float(score), landmarks=lm))
        return self._keep(faces)
