"""emolab's own emotion classifier: networks trained by ``emolab train`` (state dict + card).

The card's ``input`` section says everything about the crop: side, colour, how much to grow
the detector's box (``crop_margin``), normalisation and test-time augmentation. Training,
evaluation and the live engine all crop with :func:`emolab.classification.preprocess.crop_box`,
so the network sees the same framing everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np
import torch

from emolab.classification.base import EmotionClassifier
from emolab.classification.preprocess import crop_box, to_color
from emolab.detection.base import Detection
from emolab.errors import ModelError
from emolab.modelcards import ModelCard
from emolab.training import nets

log = logging.getLogger(__name__)


class FerCnnClassifier(EmotionClassifier):
    """Runs an emolab-trained network (compact CNN or InceptionResnetV1) on face crops.

    Args:
        card: the model card; ``card.weights_path`` is the state-dict file.
        threads: torch intra-op threads (the engine shares a few cores with capture and UI).

    Raises:
        ModelError: if the weights are missing, unreadable or do not fit the card's network.
    """

    name = "emolab-cnn"

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card)
        self.spec = dict(card.input)
        path = card.weights_path
        if path is None:
            raise ModelError(f"model card {card.card_path} names no weights file ('file')")
        state = nets.load_state_dict(path)
        self.model = nets.build_from_config(self.spec)
        try:
            self.model.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelError(
                f"model file {path} does not fit the network its card {card.card_path} describes "
                f"({str(exc).splitlines()[0]}); use the card exported with these weights or retrain"
            ) from exc
        self.model.eval()
        torch.set_num_threads(max(1, int(threads)))
        self.size = int(self.spec.get("size", 48))
        self.color = str(self.spec.get("color", "gray"))
        self.margin = float(self.spec.get("crop_margin", 0.0))
        # Detectors centre their boxes differently from how a dataset framed its faces; the
        # card may move the crop by a fraction of the box side to match (x right, y down).
        self.shift = tuple(float(v) for v in self.spec.get("crop_shift", (0.0, 0.0)))
        self.tta = self.spec.get("tta", "none") == "hflip"
        # Gaussian blur (sigma in pixels of the network input) that brings sharp camera faces
        # to the sharpness of the training images; chosen on the validation split.
        self.blur_sigma = float(self.spec.get("blur_sigma", 0.0))

    def crops(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        """The network's input crops (n, size, size[, 3]) uint8, before normalisation."""
        image = to_color(image_bgr, self.color)
        crops = [crop_box(image, self._shifted(face.box), self.size, margin=self.margin) for face in faces]
        if self.blur_sigma > 0:
            crops = [cv2.GaussianBlur(c, (0, 0), self.blur_sigma, borderType=cv2.BORDER_REPLICATE) for c in crops]
        return np.stack(crops)

    def _shifted(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        dx, dy = self.shift
        if not dx and not dy:
            return box
        x1, y1, x2, y2 = box
        side = max(x2 - x1, y2 - y1)
        return x1 + dx * side, y1 + dy * side, x2 + dx * side, y2 + dy * side

    def _predict_raw(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        return self.predict_crops(self.crops(image_bgr, faces))

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """Probabilities (n, 7) in the card's label order for crops from :meth:`crops`."""
        x = torch.from_numpy(np.ascontiguousarray(crops)).float().div_(255.0)
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
        x = nets.normalize_batch(x.contiguous(), self.spec)
        n = x.shape[0]
        if self.tta:
            # Mirrored copies ride in the same batch: one forward pass per frame.
            x = torch.cat([x, x.flip(-1)])
        with torch.inference_mode():
            probs = self.model(x).float().softmax(-1)
        if self.tta:
            probs = (probs[:n] + probs[n:]) / 2
        return probs.numpy()
