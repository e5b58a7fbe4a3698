"""``emolab evaluate``: accuracy, macro recall, per-class recall, calibration, ms per face, on several datasets."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure an emotion classifier on labelled datasets (one table across domains)",
        description="Measure a classifier on one or several datasets and print one table. For FER2013, "
        "--split val reads test/*/PublicTest_*, --split test reads test/*/PrivateTest_* and --split train "
        "reads train/. Example: --data ../shared/data/fer2013:labels=ferplus,name=FER+ "
        "--data ../shared/data/sfew:split=val,name=SFEW_val",
    )
    p.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="PATH[:key=value,...]",
        help="dataset folder; repeat for several. Options after ':' (comma-separated) override the "
        "command's own for that dataset: split=, labels=, fmt=, detector=, name=",
    )
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
    p.add_argument("--json", type=Path, default=None, help="write the table's figures here (one entry per dataset)")
    p.add_argument(
        "--png",
        type=Path,
        default=None,
        help="confusion-matrix image (default: beside --json, one per dataset; none without --json)",
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
    from emolab.outputs import check_writable
    from emolab.training.datasets import EVAL_KEYS, parse_source, resolve_labels
    from emolab.training.evaluate import cross_domain_table, evaluate_dataset, save_confusion_png, write_results_json

    for out in (args.json, args.png):
        if out is not None:  # before minutes of measuring, not after
            check_writable(out.parent, "the evaluation results", "choose another path with --json/--png")
    defaults = {"split": args.split, "labels": args.labels, "fmt": args.fmt, "detector": args.detector or ""}
    sources = [parse_source(d, EVAL_KEYS, defaults) for d in args.data]
    settings = settings_from_args(args)
    classifier = create_classifier(settings.classifier, settings)
    detectors: dict[str, object] = {}
    results = []
    for source in sources:
        labels = resolve_labels(source.path, source.labels)
        detector = None
        if source.detector:
            from emolab.detection import create_detector

            detector = detectors.get(source.detector) or create_detector(source.detector, settings)
            detectors[source.detector] = detector
        print(
            f"{source.title}: {source.split} split, scored against "
            f"{'the FER+ crowd majority' if labels == 'ferplus' else 'the dataset labels'}"
            f"{', through ' + source.detector if detector else ''}",
            flush=True,
        )
        result = evaluate_dataset(
            source.path,
            source.split,
            classifier,
            fmt=source.fmt,
            detector=detector,
            limit=args.limit,
            upscale=args.upscale,
            pad=args.pad,
            labels=labels,
            name=source.title,
        )
        results.append(result)
        if len(sources) == 1:
            print(result.table())
    print(cross_domain_table(results))
    if args.json:
        write_results_json(results, results[0].classifier, args.json)
        print(f"metrics: {args.json}")
    base = args.png or args.json  # never the current folder unless asked
    for i, result in enumerate(results if base else []):
        suffix = "" if len(results) == 1 else f"_{i + 1}_{_slug(result.dataset)}"
        png = base.with_name(f"{base.stem}{suffix}.png")
        save_confusion_png(result, png)
        print(f"confusion matrix: {png}")
    return 0


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:40]
