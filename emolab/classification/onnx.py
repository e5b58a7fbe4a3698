"""Any ONNX emotion classifier, run with OpenCV's dnn module and described by its card.

Card ``input`` keys: ``size`` (int or [w, h]), ``color`` (gray, rgb, bgr), ``scale`` and
``mean``/``std`` (``x = (pixel * scale - mean) / std``), ``align`` (``none`` crops the box
with ``crop_margin``; ``arcface5`` warps the 5 landmarks to the ArcFace template),
``layout`` (nchw or nhwc), ``output`` (``logits`` or ``probabilities``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from emolab.classification.base import EmotionClassifier, softmax
from emolab.classification.preprocess import align_five_points, crop_box, landmarks_from_box, to_color
from emolab.detection.base import Detection
from emolab.errors import ModelError
from emolab.modelcards import ModelCard


class OnnxClassifier(EmotionClassifier):
    name = "onnx"

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card)
        path = card.weights_path
        if path is None or not Path(path).is_file():
            raise ModelError(f"classifier file {path} is missing; place {card.file} in the models folder")
        cv2.setNumThreads(threads)
        try:
            self._net = cv2.dnn.readNet(str(path))
        except cv2.error as exc:
            raise ModelError(f"cannot read ONNX model {path}: {exc.msg.strip()}") from exc
        spec = card.input
        size = spec.get("size", 112)
        self.size = (int(size), int(size)) if isinstance(size, (int, float)) else (int(size[0]), int(size[1]))
        self.color = spec.get("color", "rgb")
        self.scale = float(spec.get("scale", 1.0 / 255.0))
        self.mean = np.asarray(spec.get("mean", 0.0), np.float32)
        self.std = np.asarray(spec.get("std", 1.0), np.float32)
        self.align = spec.get("align", "none")
        self.margin = float(spec.get("crop_margin", 0.0))
        self.layout = spec.get("layout", "nchw")
        self.output = spec.get("output", "logits")

    def _face(self, image_bgr: np.ndarray, face: Detection) -> np.ndarray:
        if self.align == "arcface5":
            landmarks = face.landmarks if face.landmarks is not None else landmarks_from_box(face.box)
            crop = align_five_points(image_bgr, landmarks, self.size[0])
            if self.size[0] != self.size[1]:
                crop = cv2.resize(crop, self.size)
        else:
            crop = crop_box(image_bgr, face.box, self.size, self.margin)
        return to_color(crop, self.color)

    def _predict_raw(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        out = []
        for face in faces:  # quantised zoo models take batch 1
            crop = self._face(image_bgr, face).astype(np.float32)
            if crop.ndim == 2:
                crop = crop[:, :, None]
            x = (crop * self.scale - self.mean) / self.std
            blob = x[None] if self.layout == "nhwc" else x.transpose(2, 0, 1)[None]
            self._net.setInput(np.ascontiguousarray(blob, dtype=np.float32))
            try:
                y = np.asarray(self._net.forward()).reshape(-1)
            except cv2.error as exc:
                raise ModelError(
                    f"ONNX model {self.card.weights_path} rejected its input: {exc.msg.strip()}. "
                    "Check the input size, colour and layout in its model card."
                ) from exc
            if y.size != 7:
                raise ModelError(f"ONNX model {self.card.weights_path} gives {y.size} outputs, not 7 emotions")
            out.append(y)
        arr = np.stack(out)
        return arr if self.output == "probabilities" else softmax(arr)
