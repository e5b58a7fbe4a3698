"""InceptionResnetV1 (facenet-pytorch) classifiers: the prototype's recipe.

The prototype saved a whole pickled module (``emotion_classifier_resnet.pkl``); unpickling
runs code from the file, so it is only loaded when the user explicitly trusts it. Plain state
dicts load safely with ``weights_only=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emolab.classification.base import EmotionClassifier, softmax
from emolab.classification.preprocess import crop_box, to_color
from emolab.detection.base import Detection
from emolab.errors import ModelError
from emolab.modelcards import ModelCard


def build_inception_resnet(num_classes: int = 7):  # noqa: ANN201 - torch module
    from facenet_pytorch import InceptionResnetV1

    return InceptionResnetV1(classify=True, num_classes=num_classes, pretrained=None)


class ResnetClassifier(EmotionClassifier):
    name = "resnet"

    def __init__(self, card: ModelCard, trust_pickles: bool = False, threads: int = 1) -> None:
        super().__init__(card)
        import torch

        torch.set_num_threads(threads)
        path = card.weights_path
        if path is None or not Path(path).is_file():
            raise ModelError(f"classifier file {path} is missing; place {card.file} in the models folder")
        self.size = int(card.input.get("size", 100))
        self.margin = float(card.input.get("crop_margin", 0.0))
        self.mean = float(card.input.get("mean", 0.5))
        self.std = float(card.input.get("std", 0.5))
        self._model = self._load(Path(path), trust_pickles)
        self._model.eval()

    def _load(self, path: Path, trust_pickles: bool):  # noqa: ANN202
        import torch

        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as safe_exc:  # a pickled module is refused by weights_only
            if not trust_pickles:
                raise ModelError(
                    f"{path} is a pickled Python object, and loading it would run code from the "
                    "file. If you trust its origin, enable 'trust pickles' (--trust-pickle or "
                    "EMOLAB_TRUST_PICKLES=1); better, re-save it as a state dict."
                ) from safe_exc
            try:
                obj = torch.load(path, map_location="cpu", weights_only=False)
            except Exception as exc:
                raise ModelError(f"cannot read classifier {path}: {exc}") from exc
        if isinstance(obj, torch.nn.Module):
            return obj
        if isinstance(obj, dict):
            state = obj.get("state_dict", obj) if "state_dict" in obj else obj
            model = build_inception_resnet(len(self.card.labels) or 7)
            try:
                model.load_state_dict(state)
            except (RuntimeError, TypeError) as exc:
                raise ModelError(f"{path} is not an InceptionResnetV1 state dict with 7 outputs: {exc}") from exc
            return model
        raise ModelError(f"{path} holds a {type(obj).__name__}, not a torch module or state dict")

    def _predict_raw(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> np.ndarray:
        import torch

        # The prototype's preprocessing: crop, 100x100, grey replicated to 3 channels,
        # (x/255 - 0.5) / 0.5.
        gray = to_color(image_bgr, "gray")
        crops = np.stack([crop_box(gray, f.box, self.size, self.margin, square=False) for f in faces])
        x = (crops.astype(np.float32) / 255.0 - self.mean) / self.std
        x = np.repeat(x[:, None], 3, axis=1)
        with torch.inference_mode():
            try:
                logits = self._model(torch.from_numpy(x)).numpy()
            except RuntimeError as exc:
                raise ModelError(f"classifier {self.card.name} failed on a face: {exc}") from exc
        return softmax(logits)
