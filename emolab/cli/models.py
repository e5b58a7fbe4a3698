"""``emolab models``: what is installed, what is selected and why, what is missing."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.common import add_model_options, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list installed, selected and missing models")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_model_options(p)
    p.set_defaults(func=run)


def model_inventory(settings) -> dict:  # noqa: ANN001
    """Every card with its state, and the selection the settings make."""
    from emolab.classification import classifier_cards, select_classifier_card
    from emolab.detection import detector_cards, select_detector_card
    from emolab.errors import EmolabError
    from emolab.modelcards import uncarded_files

    out: dict = {
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
            out["selected"][key] = {"name": None, "reason": str(exc)}
        for card in cards:
            out[key + "s"].append(
                {
                    "name": card.name,
                    "backend": card.backend,
                    "installed": card.installed,
                    "selected": chosen is not None and card.name == chosen.name,
                    "file": card.file or "(ships with its package)",
                    "priority": card.priority,
                    "license": card.license,
                    "to_install": None if card.installed else f"place {card.file} in {settings.models_dir}",
                }
            )
    return out


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    inv = model_inventory(settings)
    if args.json:
        print(json.dumps(inv, indent=2))
        return 0
    print(f"Models folder: {inv['models_dir']}")
    for key in ("detector", "classifier"):
        print(f"\n{key.capitalize()}s:")
        for m in inv[key + "s"]:
            mark = "*" if m["selected"] else " "
            state = "installed" if m["installed"] else f"missing  -> {m['to_install']}"
            print(f" {mark} {m['name']:<22} {m['backend']:<11} prio {m['priority']:>3}  {state}")
        sel = inv["selected"][key]
        print(f"   selected: {sel['name']} — {sel['reason']}")
    for path in inv["uncarded"]:
        print(
            f"\n! {path} has no model card, so it is not used: write {Path(path).stem}.json beside it "
            "(see models/README.md)"
        )
    print("\n(* = selected; choose another with --detector/--classifier or EMOLAB_DETECTOR/EMOLAB_CLASSIFIER)")
    return 0
