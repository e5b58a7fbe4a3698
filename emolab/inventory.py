"""The model inventory: every model card with its state, and the selection the settings make.

``emolab models`` prints it and the window's model menus offer it, so both always agree.
"""

from __future__ import annotations

from typing import Any

from emolab.classification import classifier_cards, select_classifier_card
from emolab.detection import detector_cards, select_detector_card
from emolab.errors import EmolabError
from emolab.modelcards import uncarded_files
from emolab.runtime import unavailable_reason
from emolab.settings import Settings


def model_inventory(settings: Settings) -> dict[str, Any]:
    """Every card with its state, and what ``settings.detector`` / ``settings.classifier`` select.

    Returns:
        ``models_dir``; ``detectors`` and ``classifiers`` (one entry per card: name, backend,
        installed (its weights are there), available (installed, and the packages it runs on
        are too), unavailable (why not, when installed but not available: the installed app has
        no PyTorch), selected, file, priority, licence, how to install it); ``selected`` per task:
        ``{"name", "reason", "file"}``, or ``{"name": None, "spec", "error"}`` when the setting
        names nothing usable; ``uncarded``: model files no card describes.
    """
    out: dict[str, Any] = {
        "models_dir": str(settings.models_dir),
        "detectors": [],
        "classifiers": [],
        "selected": {},
        "uncarded": [str(p) for p in uncarded_files(settings.models_dir)],
    }
    for key, cards, select, spec in (
        ("detector", detector_cards(settings), select_detector_card, settings.detector),
        ("classifier", classifier_cards(settings), select_classifier_card, settings.classifier),
    ):
        try:
            chosen, why = select(spec, settings)
            out["selected"][key] = {
                "name": chosen.name,
                "reason": why,
                "file": str(chosen.weights_path) if chosen.weights_path else "(in package)",
            }
        except EmolabError as exc:
            chosen = None
            out["selected"][key] = {"name": None, "spec": spec, "error": str(exc)}
        for card in cards:
            unavailable = unavailable_reason(card) if card.installed else None
            out[key + "s"].append(
                {
                    "name": card.name,
                    "backend": card.backend,
                    "installed": card.installed,
                    "available": card.installed and unavailable is None,
                    "unavailable": unavailable,
                    "selected": chosen is not None and card.name == chosen.name,
                    "file": card.file or "(ships with its package)",
                    "priority": card.priority,
                    "license": card.license,
                    "to_install": None if card.installed else f"place {card.file} in {settings.models_dir}",
                }
            )
    return out


def selection_errors(inventory: dict[str, Any]) -> dict[str, str]:
    """Task → why its setting selects no model (empty when both select one)."""
    return {k: v["error"] for k, v in inventory["selected"].items() if v.get("name") is None}
