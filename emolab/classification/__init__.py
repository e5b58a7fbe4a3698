"""Emotion classifiers: a registry mapping names, cards and model files to backends."""

from __future__ import annotations

from pathlib import Path

from emolab.classification.base import EmotionClassifier
from emolab.errors import ModelError, UnknownModelError
from emolab.modelcards import ModelCard, card_for_file, discover_cards
from emolab.runtime import check_runnable, unavailable_reason
from emolab.settings import Settings

__all__ = ["EmotionClassifier", "build_classifier", "create_classifier", "classifier_cards", "select_classifier_card"]


def build_classifier(card: ModelCard, settings: Settings) -> EmotionClassifier:
    """The classifier ``card`` describes, with the settings' threads and pickle trust."""
    backend = card.backend
    if backend == "emolab-cnn":
        from emolab.classification.fer_cnn import FerCnnClassifier

        return FerCnnClassifier(card, threads=settings.model_threads)
    if backend == "resnet":
        from emolab.classification.resnet import ResnetClassifier

        return ResnetClassifier(card, trust_pickles=settings.trust_pickles, threads=settings.model_threads)
    if backend == "onnx":
        from emolab.classification.onnx import OnnxClassifier

        return OnnxClassifier(card, threads=settings.model_threads)
    raise UnknownModelError(
        f"model card {card.card_path} names classifier backend {backend!r}; known: emolab-cnn, resnet, onnx"
    )


def classifier_cards(settings: Settings) -> list[ModelCard]:
    """Every classifier card in the models folder, highest priority first."""
    return [c for c in discover_cards(settings.models_dir) if c.task == "classifier"]


def select_classifier_card(spec: str, settings: Settings) -> tuple[ModelCard, str]:
    """The card ``spec`` names and why: ``auto``, a card or backend name, or a model file."""
    cards = classifier_cards(settings)
    if spec == "auto":
        for card in cards:
            if card.installed and unavailable_reason(card) is None:
                return card, f"auto: highest-priority installed classifier (priority {card.priority})"
        default = next((c for c in cards if c.backend == "emolab-cnn"), None)
        missing = f"{default.file} is missing" if default is not None else "no classifier card is there"
        raise ModelError(
            f"no emotion classifier is installed in {settings.models_dir}: {missing}; reinstall emolab or "
            "train one with 'emolab train'"
        )
    for card in cards:
        if spec in (card.name, card.backend, Path(card.file or "").stem):
            if not card.installed:
                raise ModelError(f"classifier {spec!r} needs {card.file}: place it in {settings.models_dir}")
            check_runnable(card)
            return card, f"chosen by name {spec!r}"
    path = Path(spec).expanduser()
    if path.suffix:
        card = card_for_file(path, settings.models_dir)
        if card.task != "classifier":
            raise ModelError(f"{path} is described as a {card.task}, not an emotion classifier")
        check_runnable(card)
        return card, f"chosen by file {path}"
    names = sorted({c.name for c in cards})
    raise UnknownModelError(
        f"unknown emotion classifier {spec!r}; choose auto, {', '.join(names)}, or a model file path"
    )


def create_classifier(spec: str, settings: Settings) -> EmotionClassifier:
    """Build the classifier ``spec`` names (see :func:`select_classifier_card`)."""
    card, _ = select_classifier_card(spec, settings)
    return build_classifier(card, settings)
