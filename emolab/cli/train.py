"""``emolab train``: train an emotion classifier on an image-folder dataset."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emolab.settings import default_models_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an emotion classifier (FER2013, RAF-DB or one folder per class)",
        description="Train an emotion classifier. The checkpoint is chosen on the validation split "
        "(FER2013: PublicTest); the test split (PrivateTest) is measured once at the end.",
    )
    p.add_argument("--data", type=Path, required=True, help="dataset folder")
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
    p.add_argument("--lr", type=float, default=0.04, help="peak learning rate of SGD (cosine schedule)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="checkpoint folder (default runs/train)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument(
        "--export",
        type=Path,
        default=None,
        help="where the best model and its card go (default: models/emolab_fer_cnn.pt)",
    )
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
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
    p.add_argument(
        "--val-into-train",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="move this stratified share of the validation split into training; the rest picks "
        "the checkpoint (for a degraded or small train split)",
    )
    p.add_argument("--val-repeat", type=int, default=1, help="times each moved validation image is used per epoch")
    p.add_argument("--blur-p", type=float, default=0.0, help="probability of random Gaussian blur augmentation")
    p.add_argument("--blur-max-sigma", type=float, default=3.0, help="largest blur sigma, pixels of a 48 px face")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emolab.training.train import TrainConfig, config_from_checkpoint, train

    # Per-epoch progress is the point of this command: show INFO from the training modules.
    logging.getLogger("emolab.training").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    export = args.export or default_models_dir() / "emolab_fer_cnn.pt"
    if args.resume:
        cfg = config_from_checkpoint(args.out)
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
            val_into_train=args.val_into_train,
            val_into_train_repeat=args.val_repeat,
            blur_p=args.blur_p,
            blur_max_sigma=args.blur_max_sigma,
        )
        if args.widths:
            cfg.widths = tuple(args.widths)
    metrics = train(cfg, resume=args.resume)
    print(f"validation accuracy {metrics['val_accuracy']:.4f} (epoch {metrics.get('epoch')})")
    if "test_accuracy" in metrics:
        print(f"test accuracy {metrics['test_accuracy']:.4f}")
    print(f"model: {cfg.export}")
    return 0
