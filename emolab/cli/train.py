"""``emolab train``: train an emotion classifier on an image-folder dataset."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an emotion classifier (FER2013, RAF-DB or one folder per class; several at once)",
        description="Train an emotion classifier on one or several datasets. The checkpoint is chosen on "
        "the validation splits (FER2013: PublicTest; a held-out slice of a folder dataset's train); test "
        "splits (PrivateTest) are measured once at the end.",
    )
    p.add_argument(
        "--data",
        action="append",
        default=None,
        metavar="PATH[:key=value,...]",
        help="dataset folder; repeat for several sources. Options after ':' (comma-separated): "
        "labels=auto|ferplus|fer2013, weight=W (share of each epoch), smoothing=S (of one-hot labels), "
        "holdout=F (fraction of train kept to pick the checkpoint), fmt=..., name=...",
    )
    p.add_argument(
        "--recipe",
        type=Path,
        default=None,
        help="a JSON recipe (e.g. recipes/multisource.json): its 'sources' and 'train' settings; "
        "options given here override it",
    )
    p.add_argument(
        "--labels",
        default="auto",
        choices=("auto", "ferplus", "fer2013"),
        help="ferplus: train on the FER+ crowd-vote distributions (ferplus_votes.csv beside the FER2013 folders) "
        "and pick the checkpoint by crowd-majority accuracy; fer2013: the folder labels; auto (default): ferplus "
        "when the votes file is there",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        default="auto",
        choices=("auto", "folders", "fer2013", "rafdb"),
        help="dataset layout (default: auto-detect)",
    )
    p.add_argument(
        "--arch",
        default="cnn",
        choices=("cnn", "inception-resnet"),
        help="cnn: compact CPU network (default); inception-resnet: InceptionResnetV1, for GPU users",
    )
    p.add_argument(
        "--pretrained",
        type=Path,
        default=None,
        help="state-dict file to start InceptionResnetV1 from (e.g. facenet-pytorch VGGFace2 weights)",
    )
    p.add_argument("--epochs", type=int, default=None, help="default 40")
    p.add_argument("--batch-size", type=int, default=None, help="default 128")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate of SGD (cosine schedule; default 0.05)")
    p.add_argument("--seed", type=int, default=None, help="default 0")
    p.add_argument(
        "--domain-aug",
        type=float,
        default=None,
        metavar="P",
        help="probability of the domain-shift augmentation per image: gamma, contrast, downscale-and-blur, "
        "noise (default 0: off)",
    )
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="checkpoint folder (default runs/train)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last checkpoint, with the training settings stored in it; "
        "--data, --out, --export, --device and --threads are taken from this command",
    )
    p.add_argument(
        "--export",
        type=Path,
        default=None,
        help="where the best model (.pt, its ONNX twin and the card) goes after every improving epoch "
        "(default: <out>/export/emolab_fer_cnn.pt). To use it, copy the three files into the models folder; "
        "the card's tuned run-time keys (logit_bias, crop_shift) come from `benchmarks/fer_eval.py tune --write`",
    )
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="auto: cuda when torch sees a GPU")
    p.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "bf16", "fp32"),
        help="auto uses bf16 autocast on CPUs with native bf16",
    )
    p.add_argument(
        "--time-budget",
        type=float,
        default=None,
        metavar="MIN",
        help="anneal and stop after this many minutes of training instead of --epochs",
    )
    p.add_argument("--widths", type=int, nargs="+", default=None, help="channels of the CNN's stages")
    p.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from these weights (a state dict or checkpoint) with a fresh schedule",
    )
    p.set_defaults(func=run)


#: Command-line options that a recipe's "train" section may also set (option dest -> TrainConfig field).
_RECIPE_OPTIONS = {
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "lr",
    "seed": "seed",
    "domain_aug": "domain_aug",
    "time_budget": "time_budget_min",
    "widths": "widths",
    "init": "init",
}


def run(args: argparse.Namespace) -> int:
    from emolab.runtime import require_packages

    require_packages("'emolab train'", "emolab.training", "torch")
    from emolab.errors import DatasetError
    from emolab.training.datasets import TRAIN_KEYS, parse_source, resolve_labels
    from emolab.training.recipes import load_recipe
    from emolab.training.train import TrainConfig, config_from_checkpoint, train

    # Per-epoch progress is the point of this command: show INFO from the training modules.
    logging.getLogger("emolab.training").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    # Never the models folder by default: a plain run must not replace the shipped, tuned model.
    export = args.export or args.out / "export" / "emolab_fer_cnn.pt"
    if args.resume:
        # The run's own settings come from the checkpoint; where things are and what runs it, from
        # this command (a run folder may have been copied, or the dataset moved).
        cfg = config_from_checkpoint(args.out)
        moved = {}
        if args.data and not cfg.sources:
            moved["data"] = str(parse_source(args.data[0], TRAIN_KEYS).path)
        elif args.data:
            given = [parse_source(d, TRAIN_KEYS) for d in args.data]
            if len(given) != len(cfg.sources):
                raise DatasetError(f"--resume: the run has {len(cfg.sources)} sources, --data gives {len(given)}")
            moved["sources"] = [{**old, "path": str(new.path)} for old, new in zip(cfg.sources, given)]
            moved["data"] = str(given[0].path)
        cfg = dataclasses.replace(
            cfg, out=str(args.out), export=str(export), device=args.device, threads=args.threads, **moved
        )
    else:
        recipe = load_recipe(args.recipe) if args.recipe else {"sources": [], "train": {}}
        specs = args.data or recipe["sources"]
        if not specs:
            raise DatasetError("no dataset: give --data PATH (repeat it for several) or --recipe FILE")
        # --labels and --format are the defaults of every source that does not set its own.
        sources = [parse_source(d, TRAIN_KEYS, {"labels": args.labels, "fmt": args.fmt}) for d in specs]
        several = len(sources) > 1 or any(isinstance(d, dict) or ":" in str(d) and "=" in str(d) for d in specs)
        first = sources[0]
        settings = dict(recipe["train"])
        for dest, key in _RECIPE_OPTIONS.items():
            if getattr(args, dest) is not None:
                settings[key] = getattr(args, dest)
        for key in ("widths", "stage_dropout", "scale_range"):  # JSON lists, tuples in the config
            if key in settings:
                settings[key] = tuple(settings[key])
        if settings.get("init"):
            settings["init"] = str(settings["init"])
        cfg = TrainConfig(
            data=str(first.path),
            fmt=first.fmt if several else args.fmt,
            labels=resolve_labels(first.path, first.labels if several else args.labels),
            sources=[s.to_dict() for s in sources] if several else [],
            arch=args.arch,
            pretrained=str(args.pretrained) if args.pretrained else None,
            out=str(args.out),
            export=str(export),
            threads=args.threads,
            precision=args.precision,
            device=args.device,
            **settings,
        )
    metrics = train(cfg, resume=args.resume)
    for key, value in metrics.items():
        if "_accuracy" in key and value is not None:
            print(f"{key.replace('_', ' ')} {value:.4f}")
    print(f"selected epoch {metrics.get('epoch')} of {metrics.get('epochs_run')}")
    print(f"model: {cfg.export}")
    return 0
