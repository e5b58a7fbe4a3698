"""Training loop for emolab's emotion classifiers.

Design choices, for a 2-core CPU:

* the whole dataset sits in memory as uint8 and every augmentation runs on whole batches of
  tensors (one ``affine_grid``/``grid_sample`` for scale, rotation, shift and flip), so no
  per-image loader workers compete with the network for the two cores;
* bf16 autocast on CPUs that support it (about 2x faster than fp32 on AVX-512 BF16);
* the checkpoint is picked on the validation split only; the best model so far is exported
  (weights + model card, written atomically) after every improving epoch, so the engine
  always has a usable default even if a run is cut short;
* optionally a wall-clock budget drives the learning-rate schedule instead of an epoch count,
  so a run on a shared machine still finishes its annealing phase in time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from emolab.emotions import EMOTIONS
from emolab.errors import DatasetError, ModelError
from emolab.training import datasets, nets
from emolab.training.nets import normalize_batch

log = logging.getLogger(__name__)

#: Side of the stored FER-like source images the augmentation samples from.
SOURCE_SIZE = 48


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in every checkpoint)."""

    data: str
    fmt: str = "auto"
    arch: str = "cnn"
    pretrained: str | None = None
    epochs: int = 40
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    seed: int = 0
    out: str = "runs/train"
    export: str | None = None
    threads: int = 2
    precision: str = "auto"  # auto | bf16 | fp32
    #: Stop and anneal by wall-clock minutes instead of epochs (0 = use epochs).
    time_budget_min: float = 0.0
    widths: tuple[int, ...] = nets.DEFAULT_WIDTHS
    convs_per_stage: int = 2
    dropout: float = 0.4
    #: Network input side; the CNN reads the central ``crop_fraction`` of a FER2013 image.
    size: int = 44
    crop_fraction: float = 44 / 48
    #: Runtime crop: a detector's box grown by this fraction of its side (see the model card).
    #: -0.05 matches FER2013's framing from MTCNN boxes (tuned on validation images with
    #: ``benchmarks/fer_eval.py tune``); re-tune it for other data or detectors.
    crop_margin: float = -0.05
    scale_range: tuple[float, float] = (0.85, 1.15)
    max_rotation_deg: float = 10.0
    max_shift: float = 0.1
    erase_p: float = 0.5
    max_train_samples: int = 0  # 0 = all (tests use a few)
    #: Move this stratified fraction of the validation split into training (0 = none); the
    #: rest still picks the checkpoint. For a train split that is degraded or too small.
    val_into_train: float = 0.0
    #: How many times each moved validation image appears per epoch.
    val_into_train_repeat: int = 1
    #: Random Gaussian blur augmentation: probability and largest sigma (pixels of a 48 px face).
    blur_p: float = 0.0
    blur_max_sigma: float = 3.0
    #: Start from these weights (a state dict), with a fresh optimiser and schedule.
    init: str | None = None
    cache_dir: str | None = None

    def input_spec(self) -> dict[str, Any]:
        """The model card's ``input`` section: how to rebuild the net and prepare a face."""
        if self.arch == "inception-resnet":
            return {
                "arch": "inception-resnet",
                "num_classes": 7,
                "size": 160,
                "color": "rgb",
                "crop_fraction": self.crop_fraction,
                "crop_margin": self.crop_margin,
                "normalize": "fixed",
                "mean": 0.5,
                "std": 0.5,
                "tta": "hflip",
            }
        return {
            "arch": "cnn",
            "widths": list(self.widths),
            "convs_per_stage": self.convs_per_stage,
            "dropout": self.dropout,
            "num_classes": 7,
            "size": self.size,
            "color": "gray",
            "crop_fraction": self.crop_fraction,
            "crop_margin": self.crop_margin,
            "normalize": "per_image",
            "mean": 0.0,
            "std": 1.0,
            "tta": "hflip",
        }


# ----------------------------------------------------------------------------- preprocessing


def _affine(
    n: int,
    crop_fraction: float,
    scale: torch.Tensor | None = None,
    angle: torch.Tensor | None = None,
    shift: torch.Tensor | None = None,
    flip: torch.Tensor | None = None,
) -> torch.Tensor:
    """Batch of 2x3 ``affine_grid`` matrices: output grid -> source image coordinates."""
    s = torch.full((n,), crop_fraction) if scale is None else crop_fraction / scale
    a = torch.zeros(n) if angle is None else angle
    cos, sin = torch.cos(a) * s, torch.sin(a) * s
    fx = torch.ones(n) if flip is None else torch.where(flip, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = cos * fx
    theta[:, 0, 1] = -sin
    theta[:, 1, 0] = sin * fx
    theta[:, 1, 1] = cos
    if shift is not None:
        theta[:, :, 2] = shift
    return theta


def views(images: torch.Tensor, spec: dict[str, Any], theta: torch.Tensor) -> torch.Tensor:
    """Resample uint8 sources (n, h, w) through ``theta`` to normalised network input."""
    size = int(spec["size"])
    channels = 1 if spec.get("color", "gray") == "gray" else 3
    x = images.unsqueeze(1).float().div_(255.0)
    grid = F.affine_grid(theta, [x.shape[0], 1, size, size], align_corners=False)
    # "border" padding is cv2.BORDER_REPLICATE, what the engine's crop_box does at frame edges.
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if channels == 3:
        x = x.expand(-1, 3, -1, -1)
    return normalize_batch(x, spec).contiguous()


def center_views(images: torch.Tensor, spec: dict[str, Any], flip: bool = False) -> torch.Tensor:
    """The un-augmented input for sources (n, h, w): what the engine's crop gives (optionally mirrored)."""
    n = images.shape[0]
    theta = _affine(n, float(spec.get("crop_fraction", 1.0)), flip=torch.full((n,), flip))
    return views(images, spec, theta)


def random_blur(images: torch.Tensor, p: float, max_sigma: float, gen: torch.Generator) -> torch.Tensor:
    """Blur a random ``p`` share of uint8 sources (n, h, w) with sigma uniform in (0, max_sigma]."""
    n = images.shape[0]
    chosen = torch.nonzero(torch.rand(n, generator=gen) < p).flatten()
    if len(chosen) == 0 or max_sigma <= 0:
        return images
    sigma = (torch.rand(len(chosen), generator=gen) * max_sigma).clamp_min(0.3)
    radius = int(math.ceil(3 * max_sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(t.view(1, -1) ** 2) / (2 * sigma.view(-1, 1) ** 2))
    k = k / k.sum(1, keepdim=True)  # (m, taps): one separable kernel per image
    x = images[chosen].float().unsqueeze(0)  # (1, m, h, w): grouped conv, one group per image
    x = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    m = len(chosen)
    x = F.conv2d(x, k.view(m, 1, 1, -1), groups=m)
    x = F.conv2d(x, k.view(m, 1, -1, 1), groups=m)
    out = images.clone()
    out[chosen] = x[0].round().clamp(0, 255).to(images.dtype)
    return out


def augment(images: torch.Tensor, spec: dict[str, Any], cfg: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """Random scale, rotation, shift, mirror and erasing, for a whole batch at once.

    Scale and shift cover the spread between FER2013's framing and a face detector's box.
    """
    if cfg.blur_p > 0:
        images = random_blur(images, cfg.blur_p, cfg.blur_max_sigma, gen)
    n = images.shape[0]
    lo, hi = cfg.scale_range
    scale = lo + (hi - lo) * torch.rand(n, generator=gen)
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(cfg.max_rotation_deg)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * cfg.max_shift * 2  # grid spans [-1, 1]
    flip = torch.rand(n, generator=gen) < 0.5
    x = views(images, spec, _affine(n, cfg.crop_fraction, scale, angle, shift, flip))
    if cfg.erase_p > 0:
        x = random_erase(x, cfg.erase_p, gen)
    return x


def random_erase(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Zero (the mean after normalisation) one random rectangle of 2-20% area per chosen image."""
    n, _, h, w = x.shape
    area = (0.02 + 0.18 * torch.rand(n, generator=gen)) * h * w
    ratio = torch.exp((torch.rand(n, generator=gen) * 2 - 1) * math.log(3.0))
    eh = (area * ratio).sqrt().clamp(1, h)
    ew = (area / ratio).sqrt().clamp(1, w)
    y0 = torch.rand(n, generator=gen) * (h - eh)
    x0 = torch.rand(n, generator=gen) * (w - ew)
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    mask = (
        (ys >= y0.view(n, 1, 1))
        & (ys < (y0 + eh).view(n, 1, 1))
        & (xs >= x0.view(n, 1, 1))
        & (xs < (x0 + ew).view(n, 1, 1))
    )
    mask &= (torch.rand(n, generator=gen) < p).view(n, 1, 1)
    return x.masked_fill(mask.unsqueeze(1), 0.0)


# ----------------------------------------------------------------------------- helpers


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def bf16_supported() -> bool:
    """True when this CPU runs bf16 matmuls natively (AVX-512 BF16 / AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # older or stripped builds
        return False


def _atomic_save_tensor_dict(obj: dict[str, torch.Tensor], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def atomic_write_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON so that a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def build_model(cfg: TrainConfig) -> nn.Module:
    spec = cfg.input_spec()
    if cfg.arch == "inception-resnet":
        return nets.inception_resnet(7, Path(cfg.pretrained) if cfg.pretrained else None)
    if cfg.arch != "cnn":
        raise ModelError(f"unknown architecture {cfg.arch!r}; use one of {', '.join(nets.ARCHS)}")
    return nets.build_from_config(spec)


@torch.inference_mode()
def predict_sources(
    model: nn.Module,
    images: np.ndarray,
    spec: dict[str, Any],
    batch_size: int = 256,
    autocast: bool = False,
) -> np.ndarray:
    """Softmax probabilities (n, 7) on the framing of ``images``, with the card's TTA."""
    model.eval()
    out = []
    tta = spec.get("tta", "none") == "hflip"
    for i in range(0, len(images), batch_size):
        src = torch.from_numpy(images[i : i + batch_size])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            logits = model(center_views(src, spec)).float()
            probs = logits.softmax(-1)
            if tta:
                probs = (probs + model(center_views(src, spec, flip=True)).float().softmax(-1)) / 2
        out.append(probs.numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), np.float32)


def make_card(cfg: TrainConfig, export: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """The model card written beside exported weights."""
    spec = cfg.input_spec()
    if cfg.arch == "cnn":
        n_params = sum(p.numel() for p in nets.build_from_config(spec).parameters())
        arch = (
            f"Compact VGG-style CNN ({n_params / 1e6:.2f} M parameters): {len(cfg.widths)} stages of "
            f"{cfg.convs_per_stage} x (3x3 conv + BatchNorm + ReLU) with {'-'.join(map(str, cfg.widths))} "
            f"channels, 2x2 max-pooling after each stage, global average pooling, dropout {cfg.dropout}, "
            "a linear layer to 7 logits. Why: stacks of 3x3 convolutions with BatchNorm are the "
            "strongest single-network family on 48x48 FER2013 (VGG variants with 64-512 channels reach "
            "73% after hundreds of GPU epochs); the widths are cut so that training fits about 1.5 h "
            "of a 2-core CPU (bf16) and inference with the mirror test-time augmentation stays a few "
            "milliseconds per face on a laptop CPU; global average pooling keeps the file small and "
            "tolerates the small shifts of a face detector's box. Input: the face crop in grey, "
            f"{cfg.size}x{cfg.size}, standardised per image (zero mean, unit variance); the prediction "
            "averages the softmax of the crop and of its mirror image."
        )
    else:
        arch = (
            "facenet-pytorch InceptionResnetV1 with a 7-way logits layer (for GPU users; input "
            "160x160 RGB, grey replicated, scaled to [-1, 1])."
        )
    return {
        "name": "emolab-fer-cnn" if cfg.arch == "cnn" else "emolab-fer-inception",
        "task": "classifier",
        "backend": "emolab-cnn",
        "file": export.name,
        "labels": list(EMOTIONS),
        "input": spec,
        "license": (
            "Weights: emolab, AGPL-3.0-or-later. Trained on FER2013 (images from the ICML 2013 "
            "representation-learning challenge, research use): check that your use fits those terms."
        ),
        "training_data": (
            f"{cfg.data} (format {cfg.fmt}); train split for training, validation split for checkpoint choice"
        ),
        "description": arch,
        "metrics": metrics,
        "date": dt.date.today().isoformat(),
        "priority": 100 if cfg.arch == "cnn" else 90,
        "source": "emolab train (emolab/training/train.py)",
        "training": {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(cfg).items()},
    }


def export_model(model: nn.Module, cfg: TrainConfig, export: Path, metrics: dict[str, Any]) -> None:
    """Write ``export`` (fp32 state dict) and its card ``export.with_suffix('.json')`` atomically."""
    state = {
        k: v.detach().float().clone() if v.is_floating_point() else v.detach().clone()
        for k, v in model.state_dict().items()
    }
    _atomic_save_tensor_dict(state, export)
    atomic_write_json(make_card(cfg, export, metrics), export.with_suffix(".json"))
    log.info("exported %s (%s)", export, ", ".join(f"{k}={v}" for k, v in metrics.items() if not isinstance(v, dict)))


def per_class_recall(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    out = {}
    for i, name in enumerate(EMOTIONS):
        m = y_true == i
        out[name] = round(float((y_pred[m] == i).mean()), 4) if m.any() else float("nan")
    return out


# ----------------------------------------------------------------------------- the loop


def train(cfg: TrainConfig, resume: bool = False) -> dict[str, Any]:
    """Train, checkpointing every epoch to ``cfg.out``; returns the selected model's metrics.

    Raises:
        DatasetError: for a missing or malformed dataset.
        ModelError: for an unreadable checkpoint or pretrained file.
    """
    from tqdm import tqdm

    torch.set_num_threads(max(1, cfg.threads))
    seed_everything(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    export = Path(cfg.export) if cfg.export else None
    cache = Path(cfg.cache_dir) if cfg.cache_dir else out / "cache"

    x_train, y_train = datasets.load_split(Path(cfg.data), "train", cfg.fmt, SOURCE_SIZE, cache)
    try:
        x_val, y_val = datasets.load_split(Path(cfg.data), "val", cfg.fmt, SOURCE_SIZE, cache)
    except DatasetError as exc:
        raise DatasetError(f"{exc}. Training needs a validation split to pick the checkpoint") from exc
    if cfg.max_train_samples:
        keep = np.random.default_rng(cfg.seed).permutation(len(y_train))[: cfg.max_train_samples]
        x_train, y_train = x_train[keep], y_train[keep]
    if cfg.val_into_train > 0:
        x_train, y_train, x_val, y_val = move_validation(
            x_train, y_train, x_val, y_val, cfg.val_into_train, cfg.val_into_train_repeat, cfg.seed
        )
    log.info("train %d images, validation %d images", len(y_train), len(y_val))

    spec = cfg.input_spec()
    model = build_model(cfg)
    if cfg.init and not resume:
        model.load_state_dict(nets.load_state_dict(Path(cfg.init)))
        log.info("starting from the weights in %s", cfg.init)
    use_bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and bf16_supported())
    model = model.to(memory_format=torch.channels_last)
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    optim = torch.optim.SGD(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        momentum=0.9,
        nesterov=True,
    )
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    steps_per_epoch = max(1, len(y_train) // cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs

    state: dict[str, Any] = {"epoch": 0, "step": 0, "elapsed": 0.0, "best_acc": -1.0, "history": []}
    ckpt_path = out / "last.pt"
    if resume:
        if not ckpt_path.is_file():
            raise ModelError(f"--resume: no checkpoint {ckpt_path}; start without --resume")
        try:
            ckpt = torch.load(ckpt_path, weights_only=True, map_location="cpu")
            model.load_state_dict(ckpt["model"])
            optim.load_state_dict(ckpt["optim"])
            state = json.loads(ckpt["state"])
        except Exception as exc:
            raise ModelError(f"cannot resume from {ckpt_path}: {exc}; delete it to start afresh") from exc
        log.info("resumed from %s at epoch %d", ckpt_path, state["epoch"])

    def progress() -> float:
        if cfg.time_budget_min > 0:
            return state["elapsed"] / (cfg.time_budget_min * 60)
        return state["step"] / max(1, total_steps)

    def lr_at(p: float) -> float:
        warm = 0.03
        if p < warm:
            return cfg.lr * (0.1 + 0.9 * p / warm)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (p - warm) / (1 - warm))))

    x_train_t = torch.from_numpy(x_train)
    y_train_t = torch.from_numpy(y_train)
    while progress() < 1.0 and (cfg.time_budget_min > 0 or state["epoch"] < cfg.epochs):
        epoch = state["epoch"]
        gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
        order = torch.randperm(len(y_train), generator=gen)
        model.train()
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}", mininterval=5, leave=False)
        for b in bar:
            if progress() >= 1.0:
                break
            idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            lr = lr_at(progress())
            for group in optim.param_groups:
                group["lr"] = lr
            xb = augment(x_train_t[idx], spec, cfg, gen).contiguous(memory_format=torch.channels_last)
            yb = y_train_t[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(xb)
            loss = criterion(logits.float(), yb)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            state["step"] += 1
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
            state["elapsed"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", lr=f"{lr:.4f}")
        bar.close()
        probs = predict_sources(model, x_val, spec, autocast=use_bf16)
        val_pred = probs.argmax(1)
        val_acc = float((val_pred == y_val).mean())
        state["epoch"] += 1
        record = {
            "epoch": state["epoch"],
            "loss": round(loss_sum / max(1, seen), 4),
            "train_acc": round(correct / max(1, seen), 4),
            "val_acc": round(val_acc, 4),
            "lr": round(lr_at(min(progress(), 1.0)), 5),
            "elapsed_min": round(state["elapsed"] / 60, 2),
        }
        state["history"].append(record)
        log.info(
            "epoch %d: loss %.4f, train acc %.4f, val acc %.4f, %.1f min",
            record["epoch"],
            record["loss"],
            record["train_acc"],
            val_acc,
            record["elapsed_min"],
        )
        if val_acc > state["best_acc"]:
            state["best_acc"] = val_acc
            state["best_epoch"] = state["epoch"]
            torch.save(model.state_dict(), out / "best.pt.tmp")
            os.replace(out / "best.pt.tmp", out / "best.pt")
            if export is not None:
                export_model(
                    model,
                    cfg,
                    export,
                    {
                        "val_accuracy": round(val_acc, 4),
                        "val_recall": per_class_recall(y_val, val_pred),
                        "epoch": state["epoch"],
                        "training_minutes": round(state["elapsed"] / 60, 1),
                        "status": "training in progress (best epoch so far by validation accuracy)",
                    },
                )
        ckpt = {
            "model": model.state_dict(),
            "optim": optim.state_dict(),
            "state": json.dumps(state),
            "config": json.dumps(dataclasses.asdict(cfg)),
        }
        torch.save(ckpt, out / "last.pt.tmp")
        os.replace(out / "last.pt.tmp", ckpt_path)
        atomic_write_json({"config": dataclasses.asdict(cfg), **state}, out / "history.json")

    return finish(cfg, state, use_bf16)


def moved_validation_mask(y_val: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """True for the validation images :func:`move_validation` moves into training."""
    rng = np.random.default_rng(seed + 12345)
    mask = np.zeros(len(y_val), dtype=bool)
    for label in np.unique(y_val):
        idx = np.flatnonzero(y_val == label)
        mask[rng.permutation(idx)[: int(round(len(idx) * fraction))]] = True
    return mask


def move_validation(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    fraction: float,
    repeat: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move a stratified, seeded ``fraction`` of the validation images into training."""
    mask = moved_validation_mask(y_val, fraction, seed)
    reps = max(1, int(repeat))
    x_train = np.concatenate([x_train] + [x_val[mask]] * reps)
    y_train = np.concatenate([y_train] + [y_val[mask]] * reps)
    log.info("moved %d validation images into training (x%d); %d remain for selection", mask.sum(), reps, (~mask).sum())
    return x_train, y_train, x_val[~mask], y_val[~mask]


def finish(cfg: TrainConfig, state: dict[str, Any], use_bf16: bool = False) -> dict[str, Any]:
    """Reload the validation-selected checkpoint, measure it once on the test split, export it."""
    out = Path(cfg.out)
    spec = cfg.input_spec()
    model = build_model(cfg)
    model.load_state_dict(nets.load_state_dict(out / "best.pt"))
    cache = Path(cfg.cache_dir) if cfg.cache_dir else out / "cache"
    x_val, y_val = datasets.load_split(Path(cfg.data), "val", cfg.fmt, SOURCE_SIZE, cache)
    if cfg.val_into_train > 0:
        _, _, x_val, y_val = move_validation(x_val[:0], y_val[:0], x_val, y_val, cfg.val_into_train, 1, cfg.seed)
    val_pred = predict_sources(model, x_val, spec).argmax(1)
    metrics: dict[str, Any] = {
        "val_accuracy": round(float((val_pred == y_val).mean()), 4),
        "val_recall": per_class_recall(y_val, val_pred),
        "epoch": state.get("best_epoch"),
        "epochs_run": state["epoch"],
        "training_minutes": round(state["elapsed"] / 60, 1),
    }
    try:
        x_test, y_test = datasets.load_split(Path(cfg.data), "test", cfg.fmt, SOURCE_SIZE, cache)
    except DatasetError:
        log.info("no test split: the card reports validation figures only")
    else:
        # Measured once, on the already-selected checkpoint; never used to choose anything.
        test_pred = predict_sources(model, x_test, spec).argmax(1)
        metrics["test_accuracy"] = round(float((test_pred == y_test).mean()), 4)
        metrics["test_recall"] = per_class_recall(y_test, test_pred)
        log.info("selected epoch %s: test accuracy %.4f", state.get("best_epoch"), metrics["test_accuracy"])
    if cfg.export:
        export_model(model, cfg, Path(cfg.export), metrics)
    atomic_write_json(metrics, out / "final_metrics.json")
    return metrics


def config_from_checkpoint(out: Path) -> TrainConfig:
    """The configuration a run in ``out`` was started with (for ``--resume``)."""
    path = Path(out) / "last.pt"
    try:
        ckpt = torch.load(path, weights_only=True, map_location="cpu")
        data = json.loads(ckpt["config"])
    except Exception as exc:
        raise ModelError(f"cannot read checkpoint {path}: {exc}; start without --resume") from exc
    for key in ("widths", "scale_range"):
        data[key] = tuple(data[key])
    return TrainConfig(**data)
