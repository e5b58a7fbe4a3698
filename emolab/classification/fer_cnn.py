"""emolab's own emotion classifier: networks trained by ``emolab train``, described by their card.

The card's ``input`` section says everything about the crop: side, colour, how much to grow
the detector's box (``crop_margin``), normalisation and test-time augmentation. Training,
evaluation and the live engine all crop with :func:`emolab.classification.preprocess.crop_box`,
so the network sees the same framing everywhere.

The weights run with ONNX Runtime when the card's file is the ``.onnx`` that ``emolab train``
exports beside the ``.pt`` state dict (the default: no torch needed at run time, and about
twice as fast on a CPU), or with PyTorch when the user points at the ``.pt``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emolab.classification.base import EmotionClassifier, softmax
from emolab.classification.preprocess import crop_box, to_color
from emolab.detection.base import Detection
from emolab.errors import ModelError
from emolab.modelcards import ModelCard
from emolab.onnxrt import onnx_session

log = logging.getLogger(__name__)


def normalize_crops(crops: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """uint8 crops (n, h, w[, 3]) -> float32 network input (n, c, h, w), normalised as the card says.

    ``per_image``: each crop standardised to zero mean and unit variance (robust to a room's
    lighting); ``fixed``: ``(x / 255 - mean) / std``.
    """
    x = crops.astype(np.float32) * np.float32(1.0 / 255.0)
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    if spec.get("normalize", "fixed") == "per_image":
        mean = x.mean(axis=(1, 2, 3), keepdims=True)
        std = x.reshape(len(x), -1).std(axis=1, ddof=1).reshape(-1, 1, 1, 1) if x[0].size > 1 else 1.0
        return np.ascontiguousarray((x - mean) / (std + np.float32(1e-3)), dtype=np.float32)
    mean, std = float(spec.get("mean", 0.5)), float(spec.get("std", 0.5))
    return np.ascontiguousarray((x - mean) / std, dtype=np.float32)


class _OnnxRunner:
    def __init__(self, path: Path, threads: int) -> None:
        self.session = onnx_session(path, threads)
        self.input = self.session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(None, {self.input: x})[0], dtype=np.float32)


class _TorchRunner:
    def __init__(self, card: ModelCard, path: Path, threads: int) -> None:
        import torch

        from emolab.classification import networks

        self.torch = torch
        self.model = networks.build_from_config(card.input)
        try:
            self.model.load_state_dict(networks.load_state_dict(path))
        except RuntimeError as exc:
            raise ModelError(
                f"model file {path} does not fit the network its card {card.card_path} describes "
                f"({str(exc).splitlines()[0]}); use the card exported with these weights or retrain"
            ) from exc
        self.model.eval()
        torch.set_num_threads(max(1, int(threads)))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        with self.torch.inference_mode():
            return self.model(self.torch.from_numpy(x)).float().numpy()


class FerCnnClassifier(EmotionClassifier):
    """Runs an emolab-trained network (compact CNN or InceptionResnetV1) on face crops.

    Args:
        card: the model card; ``card.weights_path`` is the ``.onnx`` or ``.pt`` file.
        threads: intra-op threads (the engine shares a few cores with capture and UI).

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
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist; reinstall emolab or retrain with `emolab train`")
        self.runtime = "onnxruntime" if path.suffix == ".onnx" else "torch"
        self._run = _OnnxRunner(path, threads) if self.runtime == "onnxruntime" else _TorchRunner(card, path, threads)
        self.size = int(self.spec.get("size", 48))
        self.color = str(self.spec.get("color", "gray"))
        self.margin = float(self.spec.get("crop_margin", 0.0))
        # Detectors centre their boxes differently from how a dataset framed its faces; the
        # card may move the crop by a fraction of the box side to match (x right, y down).
        self.shift = tuple(float(v) for v in self.spec.get("crop_shift", (0.0, 0.0)))
        self.tta = self.spec.get("tta", "none") == "hflip"
        # Added to the logits before the softmax: a prior correction chosen on the validation
        # split (``logit_bias = -tau * log(training prior)``) so rare emotions such as fear are
        # not drowned by the frequent neutral and happy (see the model card).
        bias = self.spec.get("logit_bias") or [0.0] * int(self.spec.get("num_classes", 7))
        self.logit_bias = np.asarray(bias, np.float32)
        # Divides the corrected logits: fitted on validation data so that the probabilities the
        # curves plot are calibrated (``benchmarks/fer_eval.py calibrate``); argmax is unchanged.
        self.temperature = float(self.spec.get("temperature", 1.0))
        if not self.temperature > 0:
            raise ModelError(f"model card {card.card_path}: temperature must be > 0, not {self.temperature}")

    def crops(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        """The network's input crops (n, size, size[, 3]) uint8, before normalisation."""
        image = to_color(image_bgr, self.color)
        return np.stack([crop_box(image, self._shifted(face.box), self.size, margin=self.margin) for face in faces])

    def _shifted(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        dx, dy = self.shift
        if not dx and not dy:
            return box
        x1, y1, x2, y2 = box
        side = max(x2 - x1, y2 - y1)
        return x1 + dx * side, y1 + dy * side, x2 + dx * side, y2 + dy * side

    def _predict_raw(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        return self.predict_crops(self.crops(image_bgr, faces))

    def logits(self, crops: np.ndarray) -> np.ndarray:
        """The network's logits (n, 7) in the card's label order for crops from :meth:`crops`.

        Without the mirror-image average or the logit bias: what tuning those starts from.
        """
        return self._run(normalize_crops(np.ascontiguousarray(crops), self.spec))

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """Probabilities (n, 7) in the card's label order for crops from :meth:`crops`."""
        x = normalize_crops(np.ascontiguousarray(crops), self.spec)
        n = len(x)
        if self.tta:
            # Mirrored copies ride in the same batch: one forward pass per frame.
            x = np.concatenate([x, x[..., ::-1]])
        probs = softmax((self._run(np.ascontiguousarray(x)) + self.logit_bias) / self.temperature)
        return (probs[:n] + probs[n:]) / 2 if self.tta else probs
