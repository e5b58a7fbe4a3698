"""``emolab export-onnx``: (re)create the ONNX files the engine runs, from the PyTorch weights (developer install)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.common import settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-onnx",
        help="export MTCNN and emolab's classifiers to ONNX (needs torch: a developer install)",
        description="Export facenet-pytorch's MTCNN networks and every emolab-trained classifier whose card "
        "lists PyTorch weights to ONNX, beside them in the models folder; the card then names the .onnx file "
        "(each export is checked against PyTorch's output).",
    )
    p.add_argument("--models-dir", type=Path, default=None, help="folder with model files and cards")
    p.add_argument("--skip-mtcnn", action="store_true", help="only the classifiers")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.runtime import require_packages

    require_packages(
        "'emolab export-onnx'", "emolab.training", "torch", "onnx", *(() if args.skip_mtcnn else ("facenet_pytorch",))
    )
    from emolab.classification import classifier_cards
    from emolab.classification.networks import build_from_config, load_state_dict
    from emolab.outputs import check_writable
    from emolab.training.onnx_export import export_classifier, export_mtcnn

    settings = settings_from_args(args)
    folder = check_writable(settings.models_dir, "the ONNX models", "choose a writable folder with --models-dir")
    if not args.skip_mtcnn:
        for path in export_mtcnn(folder):
            print(f"wrote {path}")
    for card in classifier_cards(settings):
        if card.backend != "emolab-cnn" or card.card_path is None:
            continue
        names = [card.file or "", *card.extra.get("alternate_files", [])]
        pt = next((folder / n for n in names if n.endswith(".pt") and (folder / n).is_file()), None)
        if pt is None:
            continue
        model = build_from_config(card.input)
        model.load_state_dict(load_state_dict(pt))
        spec = card.input
        onnx = export_classifier(
            model, int(spec.get("size", 48)), 1 if spec.get("color", "gray") == "gray" else 3, pt.with_suffix(".onnx")
        )
        data = json.loads(card.card_path.read_text(encoding="utf-8"))
        data["file"] = onnx.name
        data["alternate_files"] = sorted({*data.get("alternate_files", []), pt.name} - {onnx.name})
        card.card_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {onnx} (card {card.card_path.name} now names it)")
    return 0
