"""``emolab evaluate``: accuracy, per-class precision/recall, confusion matrix, ms per face."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure an emotion classifier on a labelled dataset",
        description="Measure a classifier. For FER2013, --split val reads test/*/PublicTest_*, "
        "--split test reads test/*/PrivateTest_* and --split train reads train/.",
    )
    p.add_argument("--data", type=Path, required=True, help="dataset folder")
    p.add_argument("--split", default="test", help="train, val (validation) or test (default test)")
    p.add_argument("--format", dest="fmt", default="auto", choices=("auto", "folders", "fer2013", "rafdb"))
    p.add_argument(
        "--labels",
        default="auto",
        choices=("auto", "ferplus", "fer2013"),
        help="ferplus: score against the FER+ crowd majority (images without one are left out); fer2013: the "
        "dataset's own labels; auto (default): ferplus when ferplus_votes.csv is beside the images",
    )
    p.add_argument("--classifier", default=None, help="auto, a model name, or a model file (default: settings)")
    p.add_argument(
        "--detector",
        default=None,
        help="also go through face detection (e.g. mtcnn): the image is upscaled and padded, "
        "the detector finds the face and the classifier crops the detector's box",
    )
    p.add_argument("--upscale", type=int, default=160, help="side of the image for --detector (default 160)")
    p.add_argument("--pad", type=float, default=0.5, help="border around it, in its side (default 0.5)")
    p.add_argument("--limit", type=int, default=0, help="evaluate a seeded random subset of N images")
    p.add_argument("--json", type=Path, default=None, help="write the metrics here")
    p.add_argument(
        "--png",
        type=Path,
        default=None,
        help="confusion-matrix image (default: beside --json, else confusion_<classifier>_<split>.png)",
    )
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow pickled model files (runs code from the file: only for files you trust)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.runtime import require_packages

    require_packages("'emolab evaluate'", "emolab.training", "matplotlib")
    from emolab.classification import create_classifier
    from emolab.training.datasets import resolve_labels
    from emolab.training.evaluate import evaluate_dataset, save_confusion_png, write_json

    labels = resolve_labels(args.data, args.labels)
    print(f"scoring against {'the FER+ crowd majority' if labels == 'ferplus' else 'the dataset labels'} ({labels})")
    settings = settings_from_args(args)
    classifier = create_classifier(settings.classifier, settings)
    detector = None
    if args.detector:
        from emolab.detection import create_detector

        detector = create_detector(args.detector, settings)
    result = evaluate_dataset(
        args.data,
        args.split,
        classifier,
        fmt=args.fmt,
        detector=detector,
        limit=args.limit,
        upscale=args.upscale,
        pad=args.pad,
        labels=labels,
    )
    print(result.table())
    if args.json:
        write_json(result, args.json)
        print(f"metrics: {args.json}")
    png = args.png
    if png is None:
        stem = f"confusion_{result.classifier}_{result.split}_{labels}{'_detect' if detector else ''}.png"
        png = args.json.with_suffix(".png") if args.json else Path(stem)
    save_confusion_png(result, png)
    print(f"confusion matrix: {png}")
    return 0
