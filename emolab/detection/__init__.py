"""Face detectors: a registry mapping names, cards and model files to backends."""

from __future__ import annotations

from pathlib import Path

from emolab.detection.base import Detection, FaceDetector
from emolab.errors import ModelError, UnknownModelError
from emolab.modelcards import ModelCard, card_for_file, discover_cards
from emolab.runtime import check_runnable, unavailable_reason
from emolab.settings import Settings

__all__ = [
    "Detection",
    "FaceDetector",
    "BACKENDS",
    "build_detector",
    "create_detector",
    "detector_cards",
    "select_detector_card",
]


def _backends() -> dict[str, type[FaceDetector]]:
    from emolab.detection.mtcnn import MTCNNDetector, TorchMTCNNDetector
    from emolab.detection.yolo import YOLODetector
    from emolab.detection.yunet import YuNetDetector

    return {cls.name: cls for cls in (MTCNNDetector, TorchMTCNNDetector, YOLODetector, YuNetDetector)}


BACKENDS = ("mtcnn", "mtcnn-torch", "yolo", "yunet")


def detector_cards(settings: Settings) -> list[ModelCard]:
    """Every detector card in the models folder, highest priority first."""
    return [c for c in discover_cards(settings.models_dir) if c.task == "detector"]


def select_detector_card(spec: str, settings: Settings) -> tuple[ModelCard, str]:
    """The card ``spec`` names and why it was chosen.

    ``spec`` is ``auto`` (the installed card with the highest priority), a backend name
    (``mtcnn``, ``yolo``, ``yunet``), a card name, or a path to a model file.
    """
    cards = detector_cards(settings)
    if spec == "auto":
        for card in cards:
            if card.installed and unavailable_reason(card) is None:
                return card, f"auto: highest-priority installed detector (priority {card.priority})"
        raise ModelError(f"no face detector is installed in {settings.models_dir}; reinstall emolab")
    for card in cards:
        if spec in (card.name, card.backend):
            if not card.installed:
                raise ModelError(f"detector {spec!r} needs {card.file}: place it in {settings.models_dir}")
            check_runnable(card)
            return card, f"chosen by name {spec!r}"
    path = Path(spec).expanduser()
    if path.suffix:
        card = card_for_file(path, settings.models_dir)
        if card.task != "detector":
            raise ModelError(f"{path} is described as a {card.task}, not a face detector")
        check_runnable(card)
        return card, f"chosen by file {path}"
    names = sorted({c.name for c in cards} | set(BACKENDS))
    raise UnknownModelError(f"unknown face detector {spec!r}; choose auto, {', '.join(names)}, or a model file path")


def build_detector(card: ModelCard, settings: Settings) -> FaceDetector:
    """The detector ``card`` describes, with the settings' threshold, minimum face size and threads."""
    backends = _backends()
    if card.backend not in backends:
        raise UnknownModelError(
            f"model card {card.card_path} names backend {card.backend!r}; known: {', '.join(backends)}"
        )
    return backends[card.backend](
        card,
        threshold=settings.detect_threshold,
        min_face_px=settings.min_face_px,
        threads=settings.model_threads,
    )


def create_detector(spec: str, settings: Settings) -> FaceDetector:
    """Build the detector ``spec`` names (see :func:`select_detector_card`)."""
    card, _ = select_detector_card(spec, settings)
    return build_detector(card, settings)
