"""The emotion-classifier interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from emolab.detection.base import Detection
from emolab.emotions import EMOTIONS, reorder_index
from emolab.errors import ModelError
from emolab.modelcards import ModelCard


class EmotionClassifier(ABC):
    """Turns faces into 7 probabilities in canonical order (:data:`emolab.emotions.EMOTIONS`).

    A backend implements :meth:`_predict_raw` in its model's own label order (the card's
    ``labels``); this base class reorders to canonical order once, here, for every backend.
    """

    name: str = ""

    def __init__(self, card: ModelCard) -> None:
        self.card = card
        labels = card.labels or EMOTIONS
        try:
            self._order = reorder_index(labels)
        except ValueError as exc:
            raise ModelError(f"model card {card.card_path}: {exc}") from exc

    def predict(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        """Probabilities (n_faces, 7) in canonical order for ``faces`` found in ``image_bgr``."""
        if not faces:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        raw = np.asarray(self._predict_raw(image_bgr, faces), dtype=np.float32)
        if raw.shape != (len(faces), len(EMOTIONS)):
            raise ModelError(
                f"classifier {self.card.name} returned shape {raw.shape}, expected "
                f"({len(faces)}, 7); its model file or card is wrong"
            )
        return self.canonical(raw)

    def canonical(self, raw: np.ndarray) -> np.ndarray:
        """Per-face values (n, 7) in the model's label order, reordered to canonical order."""
        return raw[:, self._order]

    @abstractmethod
    def _predict_raw(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        """Probabilities (n_faces, 7) in the model's own label order."""


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
