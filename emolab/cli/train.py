"""``emolab train``: train an emotion classifier on an image-folder dataset."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an emotion classifier (FER2013, RAF-DB or one folder per class)",
        description="Train an emotion classifier. The checkpoint is chosen on the validation split "
        "(FER2013: PublicTest); the test split (PrivateTest) is measured once at the end.",
    )
    p.add_argument("--data", type=Path, required=True, help="dataset folder")
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
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05, help="peak learning rate of SGD (cosine schedule)")
    p.add_argument("--seed", type=int, default=0)
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
        default=0.0,
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


def run(args: argparse.Namespace) -> int:
    from emolab.runtime import require_packages

    require_packages("'emolab train'", "emolab.training", "torch")
    from emolab.training.datasets import resolve_labels
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
        cfg = dataclasses.replace(
            config_from_checkpoint(args.out),
            data=str(args.data),
            out=str(args.out),
            export=str(export),
            device=args.device,
            threads=args.threads,
        )
    else:
        cfg = TrainConfig(
            data=str(args.data),
            fmt=args.fmt,
            arch=args.arch,
            pretrained=str(args.pretrained) if args.pretrained else None,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=args.seed,
            out=str(args.out),
            export=str(export),
            threads=args.threads,
            precision=args.precision,
            time_budget_min=args.time_budget,
            init=str(args.init) if args.init else None,
            labels=resolve_labels(args.data, args.labels),
            device=args.device,
        )
        if args.widths:
            cfg.widths = tuple(args.widths)
    metrics = train(cfg, resume=args.resume)
    for key, value in metrics.items():
        if "_accuracy" in key:
            print(f"{key.replace('_', ' ')} {value:.4f}")
    print(f"selected epoch {metrics.get('epoch')} of {metrics.get('epochs_run')}")
    print(f"model: {cfg.export}")
    return 0
