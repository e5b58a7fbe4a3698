"""Training loop for emolab's emotion classifiers.

Design choices, for a 2-core CPU:

* the whole dataset sits in memory as uint8 and every augmentation runs on whole batches of
  tensors (one ``affine_grid``/``grid_sample`` for scale, rotation, shift and flip), so no
  per-image loader workers compete with the network for the two cores;
* bf16 autocast on CPUs that support it (about 2x faster than fp32 on AVX-512 BF16) and on
  CUDA GPUs (``device="cuda"``, chosen automatically when torch sees one);
* the loss is always cross-entropy to a target distribution: FER+'s crowd-vote distribution
  (``labels="ferplus"``) or the label-smoothed one-hot of a single label (``"fer2013"``);
* the checkpoint is picked on the validation split only; the best model so far is exported
  (weights + model card, written atomically) after every improving epoch, so a run cut short
  still leaves a usable model (the CLI exports into the run folder; installing it into the
  models folder is an explicit copy, and its tuned run-time keys come from
  ``benchmarks/fer_eval.py tune --write``);
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from emolab.classification import networks as nets
from emolab.classification.networks import normalize_batch
from emolab.emotions import EMOTIONS
from emolab.errors import DatasetError, ModelError
from emolab.training import datasets

log = logging.getLogger(__name__)

#: Side of the stored FER-like source images the augmentation samples from.
SOURCE_SIZE = 48
#: The repository (or installed package's parent); cards store paths relative to it.
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in every checkpoint)."""

    data: str
    fmt: str = "auto"
    #: Several datasets at once (:class:`~emolab.training.datasets.Source` as dicts). Empty: the
    #: one dataset ``data`` with ``labels``/``fmt``/``label_smoothing``.
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: ``ferplus``: soft targets from FER+ crowd votes (FER2013 only); ``fer2013``: folder labels.
    labels: str = "fer2013"
    arch: str = "cnn"
    pretrained: str | None = None
    epochs: int = 40
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    #: Smoothing of single-label targets (``fer2013``); crowd votes are already soft.
    label_smoothing: float = 0.1
    seed: int = 0
    out: str = "runs/train"
    export: str | None = None
    threads: int = 2
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto | bf16 | fp32
    #: Stop and anneal by wall-clock minutes instead of epochs (0 = use epochs).
    time_budget_min: float = 0.0
    widths: tuple[int, ...] = nets.DEFAULT_WIDTHS
    convs_per_stage: int = 2
    head: str = "fc"
    stage_dropout: tuple[float, ...] = (0.1, 0.1, 0.2, 0.3)
    fc_width: int = 512
    dropout: float = 0.5
    #: Network input side; the CNN reads the central ``crop_fraction`` of a FER2013 image.
    size: int = 48
    #: Network input colour. The CNN trains on grey: FER2013 and muxspace are grey, and grey
    #: input makes a room's lighting and a webcam's white balance matter less.
    color: str = "gray"
    crop_fraction: float = 1.0
    #: Runtime crop: a detector's box grown by this fraction of its side (see the model card).
    #: Chosen on the validation split with ``benchmarks/fer_eval.py tune``.
    crop_margin: float = 0.0
    #: Test-time augmentation: ``hflip`` averages the prediction of the crop and its mirror
    #: image (twice the cost per face), ``none`` does not. Chosen on the validation split.
    tta: str = "none"
    scale_range: tuple[float, float] = (0.85, 1.15)
    max_rotation_deg: float = 15.0
    max_shift: float = 0.1
    erase_p: float = 0.5
    #: Probability per image of the domain-shift augmentation: gamma, contrast and brightness,
    #: downscale-and-blur (a webcam's far face) and sensor noise (see :func:`domain_shift`).
    domain_aug: float = 0.0
    max_train_samples: int = 0  # 0 = all (tests use a few)
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
            "head": self.head,
            "stage_dropout": list(self.stage_dropout),
            "fc_width": self.fc_width,
            "dropout": self.dropout,
            "num_classes": 7,
            "size": self.size,
            "color": self.color,
            "crop_fraction": self.crop_fraction,
            "crop_margin": self.crop_margin,
            "normalize": "per_image",
            "mean": 0.0,
            "std": 1.0,
            "tta": self.tta,
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


def augment(images: torch.Tensor, spec: dict[str, Any], cfg: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """Random scale, rotation, shift, mirror and erasing, for a whole batch at once.

    Scale and shift cover the spread between FER2013's framing and a face detector's box. The
    random numbers come from the CPU generator ``gen`` whatever the device, so a run is
    reproducible on either.
    """
    n = images.shape[0]
    lo, hi = cfg.scale_range
    scale = lo + (hi - lo) * torch.rand(n, generator=gen)
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(cfg.max_rotation_deg)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * cfg.max_shift * 2  # grid spans [-1, 1]
    flip = torch.rand(n, generator=gen) < 0.5
    x = views(images, spec, _affine(n, cfg.crop_fraction, scale, angle, shift, flip).to(images.device))
    if cfg.domain_aug > 0:
        x = domain_shift(x, cfg.domain_aug, gen, spec.get("normalize") == "per_image")
    if cfg.erase_p > 0:
        x = random_erase(x, cfg.erase_p, gen)
    return x


def domain_shift(x: torch.Tensor, p: float, gen: torch.Generator, per_image: bool = True) -> torch.Tensor:
    """Photometric and resolution shift on normalised input (n, c, h, w), each image with probability ``p``.

    Film and webcam faces differ from FER2013's in tone curve, contrast and sharpness, not in
    what an emotion looks like: a random gamma (0.6-1.6) and contrast (0.6-1.4), a downscale to
    35-100% of the side and back (blur of a small, far face), and Gaussian noise. The tone curve
    works on each image's own [0, 1] range; the result is standardised again (``per_image``, as
    the engine normalises) or put back into the image's original range.
    """
    n, c, h, w = x.shape
    chosen = (torch.rand(n, generator=gen) < p).to(x.device)
    lo = x.amin(dim=(1, 2, 3), keepdim=True)
    hi = x.amax(dim=(1, 2, 3), keepdim=True)
    unit = (x - lo) / (hi - lo).clamp_min(1e-3)
    gamma = torch.exp((torch.rand(n, generator=gen) * 2 - 1) * math.log(1.6)).view(n, 1, 1, 1).to(x.device)
    contrast = (0.6 + 0.8 * torch.rand(n, generator=gen)).view(n, 1, 1, 1).to(x.device)
    unit = unit.clamp(0, 1).pow(gamma)
    unit = ((unit - 0.5) * contrast + 0.5).clamp(0, 1)
    side = int(max(8, round(h * (0.35 + 0.65 * float(torch.rand(1, generator=gen))))))
    small = F.interpolate(unit, size=(side, side), mode="area")
    unit = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    unit = unit + torch.randn(unit.shape, generator=gen).to(x.device) * 0.02
    if per_image:
        shifted = unit - unit.mean(dim=(1, 2, 3), keepdim=True)
        shifted = shifted / shifted.flatten(1).std(dim=1).view(n, 1, 1, 1).clamp_min(1e-3)
    else:
        shifted = unit * (hi - lo) + lo
    return torch.where(chosen.view(n, 1, 1, 1), shifted.to(x.dtype), x)


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
    keep = (torch.rand(n, generator=gen) < p).view(n, 1, 1)
    mask = keep & (
        (ys >= y0.view(n, 1, 1))
        & (ys < (y0 + eh).view(n, 1, 1))
        & (xs >= x0.view(n, 1, 1))
        & (xs < (x0 + ew).view(n, 1, 1))
    )
    return x.masked_fill(mask.unsqueeze(1).to(x.device), 0.0)


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
    device = next(model.parameters()).device
    out = []
    tta = spec.get("tta", "none") == "hflip"
    for i in range(0, len(images), batch_size):
        src = torch.from_numpy(images[i : i + batch_size]).to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            probs = model(center_views(src, spec)).float().softmax(-1)
            if tta:
                probs = (probs + model(center_views(src, spec, flip=True)).float().softmax(-1)) / 2
        out.append(probs.cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), np.float32)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of ``logits`` (n, k) to target distributions ``target`` (n, k)."""
    return -(target * F.log_softmax(logits.float(), dim=-1)).sum(-1).mean()


def training_targets(split: datasets.Split, labels: str, label_smoothing: float) -> datasets.Split:
    """The images a run trains on and their target distributions.

    ``ferplus``: images whose votes are mostly emotions, with the vote distribution over the
    7 emotions. ``fer2013``: every image, its one-hot label smoothed by ``label_smoothing``.
    """
    if labels == "ferplus":
        return split.subset(split.trainable)
    k = split.soft.shape[1]
    soft = (split.soft * (1 - label_smoothing) + label_smoothing / k).astype(np.float32)
    return datasets.Split(split.x, split.y, soft, split.trainable)


def resolve_device(device: str) -> torch.device:
    """``auto`` is CUDA when torch sees a GPU, else the CPU.

    Raises:
        ModelError: for ``cuda`` on a machine where torch sees none.
    """
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda: torch sees no CUDA GPU here; use --device cpu (or auto)")
    if device not in ("cpu", "cuda"):
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda")
    return torch.device(device)


def portable_path(path: str | Path | None) -> str | None:
    """``path`` as written into a shipped file: relative to the repository, ``../shared/...``, or its name.

    A model card travels with the weights into every session; the training machine's absolute
    paths mean nothing elsewhere and leak its layout.
    """
    if path is None:
        return None
    p = Path(path).resolve()
    for base, prefix in ((REPO_ROOT, ""), (REPO_ROOT.parent, "../")):
        try:
            return prefix + p.relative_to(base).as_posix()
        except ValueError:
            continue
    return p.name


def _describe_cnn(cfg: TrainConfig, n_params: int) -> str:
    if cfg.head == "fc":
        side = cfg.size // 2 ** len(cfg.widths)
        head = (
            f"flatten ({side}x{side}x{cfg.widths[-1]}), linear {cfg.fc_width} + BatchNorm + ReLU, "
            f"dropout {cfg.dropout}, linear to 7 logits"
        )
    else:
        head = f"global average pooling, dropout {cfg.dropout}, linear to 7 logits"
    drops = f" and dropout {'/'.join(map(str, cfg.stage_dropout))} after the stages" if cfg.stage_dropout else ""
    return (
        f"VGG-style CNN ({n_params / 1e6:.2f} M parameters): {len(cfg.widths)} stages of {cfg.convs_per_stage} x "
        f"(3x3 conv + BatchNorm + ReLU) with {'-'.join(map(str, cfg.widths))} channels, 2x2 max-pooling after "
        f"each stage{drops}; then {head}. Why: stacks of 3x3 convolutions with BatchNorm are the strongest "
        "single-network family on 48x48 FER images (the FER+ authors' VGG13 reached 85% agreement with the "
        "crowd); these widths keep one face under 3 ms on a laptop CPU core with ONNX Runtime and let a "
        "training run fit a few hours of a 2-core CPU (bf16)."
    )


#: The terms of datasets emolab has been trained on, by folder name, for the model card.
DATASET_TERMS = {
    "fer2013": "FER2013 (ICML 2013 representation-learning challenge images; research use)",
    "sfew": "SFEW 2.0 (Dhall et al.; academic research use under its authors' end-user licence)",
    "muxspace": ("muxspace/facial_expressions (labels Apache-2.0; the photographs are LFW's, under LFW's terms)"),
}


def _sources_card(cfg: TrainConfig) -> tuple[str, str]:
    """The card's ``training_data`` and the data part of its ``license`` for a multi-source run."""
    parts, terms = [], []
    for s in sources_of(cfg):
        how = f"{datasets.resolve_labels(s.path, s.labels)} labels, weight {s.weight:g}"
        if s.holdout:
            how += f", {s.holdout:.0%} of train held out to pick the checkpoint"
        parts.append(f"{portable_path(s.path)} ({how})")
        terms.append(DATASET_TERMS.get(s.path.name.lower(), f"{s.path.name} (check its terms before shipping)"))
        if datasets.resolve_labels(s.path, s.labels) == "ferplus":
            terms.append("the FER+ crowd labels (Microsoft FERPlus, MIT licence)")
    data = (
        "several sources at once, each epoch drawn from them by weight: " + "; ".join(parts) + ". The checkpoint "
        "is the best mean of the sources' validation accuracies; test splits are measured once at the end."
    )
    return data, "Trained on " + ", ".join(terms) + ": check that your use fits those terms."


def make_card(cfg: TrainConfig, export: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """The model card written beside exported weights (no absolute paths: see :func:`portable_path`)."""
    spec = cfg.input_spec()
    if cfg.arch == "cnn":
        arch = _describe_cnn(cfg, sum(p.numel() for p in nets.build_from_config(spec).parameters()))
    else:
        arch = (
            "facenet-pytorch InceptionResnetV1 with a 7-way logits layer (for GPU users; input "
            "160x160 RGB, grey replicated, scaled to [-1, 1])."
        )
    if cfg.labels == "ferplus":
        labels = (
            "targets: the FER+ crowd votes (10 annotators per image, Microsoft FERPlus, MIT licence) as a "
            "distribution over the 7 emotions (contempt, unknown and not-a-face votes dropped; images whose "
            "votes are mostly those left out); loss: cross-entropy to that distribution; checkpoint: the "
            "best accuracy against the crowd majority on the validation split"
        )
    else:
        labels = (
            f"targets: the dataset's own labels, label smoothing {cfg.label_smoothing}; checkpoint: the best "
            "validation accuracy"
        )
    training = {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(cfg).items()}
    for key in ("data", "out", "export", "init", "cache_dir", "pretrained"):
        training[key] = portable_path(training.get(key))
    training["sources"] = (
        [{**s.to_dict(), "path": portable_path(s.path)} for s in sources_of(cfg)] if cfg.sources else []
    )
    onnx_file = export.with_suffix(".onnx").name
    license_text = (
        "Weights: emolab, AGPL-3.0-or-later. Trained on FER2013 images (ICML 2013 representation-learning "
        "challenge, research use: check that your use fits those terms)"
        + (" with the FER+ crowd labels (Microsoft FERPlus, MIT licence)." if cfg.labels == "ferplus" else ".")
    )
    training_data = (
        f"{portable_path(cfg.data)} (format {cfg.fmt}, {cfg.labels} labels): the train split for the weights, "
        f"the validation split for the checkpoint, the test split measured once at the end; {labels}."
    )
    if cfg.sources:
        training_data, data_terms = _sources_card(cfg)
        license_text = "Weights: emolab, AGPL-3.0-or-later. " + data_terms
    return {
        "name": "emolab-fer-cnn" if cfg.arch == "cnn" else "emolab-fer-inception",
        "task": "classifier",
        "backend": "emolab-cnn",
        "file": onnx_file,
        "alternate_files": [export.name],
        "labels": list(EMOTIONS),
        "input": spec,
        "license": license_text,
        "training_data": training_data,
        "description": arch,
        "metrics": metrics,
        "date": dt.date.today().isoformat(),
        "priority": 100 if cfg.arch == "cnn" else 90,
        "source": "emolab train (emolab/training/train.py); ONNX export by emolab/training/onnx_export.py",
        "training": training,
    }


def export_model(model: nn.Module, cfg: TrainConfig, export: Path, metrics: dict[str, Any]) -> None:
    """Write ``export`` (fp32 state dict), its ONNX twin and the card ``export.with_suffix('.json')``, atomically.

    The card names the ``.onnx`` file (what the engine runs, with ONNX Runtime) and lists the
    ``.pt`` as an alternate file (for PyTorch users and further training).
    """
    from emolab.training.onnx_export import export_classifier

    state = {
        k: v.detach().float().cpu().clone() if v.is_floating_point() else v.detach().cpu().clone()
        for k, v in model.state_dict().items()
    }
    _atomic_save_tensor_dict(state, export)
    spec = cfg.input_spec()
    clean = nets.build_from_config(spec)
    clean.load_state_dict(state)
    export_classifier(
        clean, int(spec["size"]), 1 if spec.get("color", "gray") == "gray" else 3, export.with_suffix(".onnx")
    )
    atomic_write_json(make_card(cfg, export, metrics), export.with_suffix(".json"))
    log.info(
        "exported %s (%s)",
        export,
        ", ".join(f"{k}={v}" for k, v in metrics.items() if isinstance(v, (int, float, str))),
    )


def per_class_recall(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    out = {}
    for i, name in enumerate(EMOTIONS):
        m = y_true == i
        out[name] = round(float((y_pred[m] == i).mean()), 4) if m.any() else float("nan")
    return out


# ----------------------------------------------------------------------------- the loop


def load_data(cfg: TrainConfig, split: str) -> datasets.Split:
    cache = Path(cfg.cache_dir) if cfg.cache_dir else Path(cfg.out) / "cache"
    return datasets.load_split(Path(cfg.data), split, cfg.fmt, SOURCE_SIZE, cache, cfg.labels)


def sources_of(cfg: TrainConfig) -> list[datasets.Source]:
    """The run's datasets: ``cfg.sources``, or the single ``cfg.data``."""
    if cfg.sources:
        return [datasets.parse_source(s) for s in cfg.sources]
    return [datasets.Source(Path(cfg.data), labels=cfg.labels, fmt=cfg.fmt, smoothing=cfg.label_smoothing)]


@dataclass
class SourceData:
    """One source in memory: training images and targets, and the split that scores it (or None)."""

    source: datasets.Source
    labels: str
    train: datasets.Split
    val: datasets.Split | None


def load_source(cfg: TrainConfig, source: datasets.Source) -> SourceData:
    """A source's training targets and its validation split: its own, or a held-out slice of train."""
    cache = Path(cfg.cache_dir) if cfg.cache_dir else Path(cfg.out) / "cache"
    labels = datasets.resolve_labels(source.path, source.labels)
    raw = datasets.load_split(source.path, "train", source.fmt, SOURCE_SIZE, cache, labels)
    val = None
    if source.holdout > 0:
        keep, held = datasets.holdout_split(raw.y, source.holdout, cfg.seed)
        raw, val = raw.subset(keep), scored(raw.subset(held))
    elif datasets.has_split(source.path, "val", source.fmt):
        val = scored(datasets.load_split(source.path, "val", source.fmt, SOURCE_SIZE, cache, labels))
    return SourceData(source, labels, training_targets(raw, labels, source.smoothing), val)


def epoch_order(sizes: list[int], weights: list[float], gen: torch.Generator) -> torch.Tensor:
    """One epoch's indices into the concatenated sources, shuffled.

    An epoch is as long as all sources together; source ``i`` fills ``weights[i] / sum`` of it,
    repeating (a small source) or subsampling (a large one) its own random permutations.
    """
    total = sum(sizes)
    if len(sizes) == 1:
        return torch.randperm(total, generator=gen)
    parts, start = [], 0
    share = torch.tensor(weights, dtype=torch.float64) / sum(weights)
    for size, w in zip(sizes, share.tolist()):
        want = int(round(w * total))
        reps = -(-want // size)
        idx = torch.cat([torch.randperm(size, generator=gen) for _ in range(reps)])[:want]
        parts.append(idx + start)
        start += size
    order = torch.cat(parts)
    return order[torch.randperm(len(order), generator=gen)]


def scored(split: datasets.Split) -> datasets.Split:
    """The images of a split that have one label to score against (FER+: a crowd majority)."""
    return split.subset(split.y >= 0)


def train(cfg: TrainConfig, resume: bool = False) -> dict[str, Any]:
    """Train, checkpointing every epoch to ``cfg.out``; returns the selected model's metrics.

    Training uses the train split only; the validation split picks the checkpoint; the test
    split is measured once, at the end (:func:`finish`).

    Raises:
        DatasetError: for a missing or malformed dataset.
        ModelError: for an unreadable checkpoint or pretrained file.
    """
    from tqdm import tqdm

    if cfg.arch == "cnn" and cfg.color != "gray":
        raise ModelError(
            f"color {cfg.color!r}: the CNN trains on grey input only (its sources FER2013 and muxspace are grey); "
            "use color gray, or arch inception-resnet for colour"
        )
    torch.set_num_threads(max(1, cfg.threads))
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    export = Path(cfg.export) if cfg.export else None

    loaded = [load_source(cfg, s) for s in sources_of(cfg)]
    if cfg.max_train_samples:
        for d in loaded:
            keep = np.random.default_rng(cfg.seed).permutation(len(d.train.y))[: cfg.max_train_samples]
            d.train = d.train.subset(keep)
    vals = [(d.source.title, d.val) for d in loaded if d.val is not None and len(d.val.y)]
    if not vals:
        raise DatasetError(
            "no validation split to pick the checkpoint: give a dataset with one (FER2013's PublicTest, a "
            "val/ folder) or hold out part of a training set (holdout=0.15)"
        )
    train_split = datasets.Split(
        np.concatenate([d.train.x for d in loaded]),
        np.concatenate([d.train.y for d in loaded]),
        np.concatenate([d.train.soft for d in loaded]),
        np.concatenate([d.train.trainable for d in loaded]),
    )
    sizes = [len(d.train.y) for d in loaded]
    weights = [d.source.weight for d in loaded]
    for d in loaded:
        log.info(
            "source %s (%s labels, weight %g): train %d images, validation %s",
            d.source.title,
            d.labels,
            d.source.weight,
            len(d.train.y),
            len(d.val.y) if d.val is not None else "none",
        )
    log.info("train %d images from %d source(s), on %s", len(train_split.y), len(loaded), device)

    spec = cfg.input_spec()
    model = build_model(cfg)
    if cfg.init and not resume:
        model.load_state_dict(nets.load_state_dict(Path(cfg.init)))
        log.info("starting from the weights in %s", cfg.init)
    use_bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and (device.type == "cuda" or bf16_supported()))
    model = model.to(device, memory_format=torch.channels_last)
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    optim = torch.optim.SGD(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        momentum=0.9,
        nesterov=True,
    )
    steps_per_epoch = max(1, len(train_split.y) // cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs

    state: dict[str, Any] = {"epoch": 0, "step": 0, "elapsed": 0.0, "best_acc": -1.0, "history": []}
    ckpt_path = out / "last.pt"
    if resume:
        if not ckpt_path.is_file():
            raise ModelError(f"--resume: no checkpoint {ckpt_path}; start without --resume")
        try:
            ckpt = torch.load(ckpt_path, weights_only=True, map_location=device)
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

    x_train_t = torch.from_numpy(train_split.x).to(device)
    target_t = torch.from_numpy(train_split.soft).to(device)
    while progress() < 1.0 and (cfg.time_budget_min > 0 or state["epoch"] < cfg.epochs):
        epoch = state["epoch"]
        gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
        order = epoch_order(sizes, weights, gen).to(device)
        model.train()
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}", mininterval=30, leave=False)
        for b in bar:
            if progress() >= 1.0:
                break
            idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            lr = lr_at(progress())
            for group in optim.param_groups:
                group["lr"] = lr
            xb = augment(x_train_t[idx], spec, cfg, gen).contiguous(memory_format=torch.channels_last)
            tb = target_t[idx]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(xb)
            loss = soft_cross_entropy(logits, tb)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            state["step"] += 1
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == tb.argmax(1)).sum())
            seen += len(idx)
            state["elapsed"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", lr=f"{lr:.4f}")
        bar.close()
        # The checkpoint score: the mean accuracy over the sources' validation splits, so no
        # domain is traded away for the largest one.
        val_preds = {name: predict_sources(model, v.x, spec, autocast=use_bf16).argmax(1) for name, v in vals}
        val_accs = {name: round(float((val_preds[name] == v.y).mean()), 4) for name, v in vals}
        val_acc = float(np.mean(list(val_accs.values())))
        state["epoch"] += 1
        record = {
            "epoch": state["epoch"],
            "loss": round(loss_sum / max(1, seen), 4),
            "train_acc": round(correct / max(1, seen), 4),
            "val_acc": round(val_acc, 4),
            **({"val_acc_by_source": val_accs} if len(vals) > 1 else {}),
            "lr": round(lr_at(min(progress(), 1.0)), 5),
            "elapsed_min": round(state["elapsed"] / 60, 2),
        }
        state["history"].append(record)
        log.info(
            "epoch %d: loss %.4f, train acc %.4f, val acc %.4f%s, %.1f min",
            record["epoch"],
            record["loss"],
            record["train_acc"],
            val_acc,
            f" ({', '.join(f'{k} {v:.4f}' for k, v in val_accs.items())})" if len(vals) > 1 else "",
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
                        **({"val_accuracy_by_source": val_accs} if len(vals) > 1 else {}),
                        "val_recall": per_class_recall(vals[0][1].y, val_preds[vals[0][0]]),
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

    return finish(cfg, state)


def finish(cfg: TrainConfig, state: dict[str, Any]) -> dict[str, Any]:
    """Reload the validation-selected checkpoint, measure it once on the test split, export it.

    Both label sets are reported when the data has them (FER2013 images: their own labels and
    the FER+ crowd majority), named ``<split>_accuracy_<labels>``; the training label set's
    figures also go under the plain ``val_accuracy``/``test_accuracy`` keys.
    """
    out = Path(cfg.out)
    spec = cfg.input_spec()
    model = build_model(cfg)
    model.load_state_dict(nets.load_state_dict(out / "best.pt"))
    metrics: dict[str, Any] = {
        "labels": cfg.labels,
        "epoch": state.get("best_epoch"),
        "epochs_run": state["epoch"],
        "training_minutes": round(state["elapsed"] / 60, 1),
    }
    if cfg.sources:
        metrics.update(_measure_sources(cfg, model, spec, state))
        label_sets = []
    else:
        label_sets = [cfg.labels] + [other for other in datasets.LABEL_SETS if other != cfg.labels]
    for split in ("val", "test"):  # test: measured once, on the already-selected checkpoint
        for labels in label_sets:
            try:
                data = scored(load_data(dataclasses.replace(cfg, labels=labels), split))
            except DatasetError as exc:
                log.info("no %s %s labels (%s): not reported", split, labels, exc)
                continue
            pred = predict_sources(model, data.x, spec).argmax(1)
            acc = round(float((pred == data.y).mean()), 4)
            metrics[f"{split}_accuracy_{labels}"] = acc
            metrics[f"{split}_recall_{labels}"] = per_class_recall(data.y, pred)
            if labels == cfg.labels:
                metrics[f"{split}_accuracy"] = acc
                metrics[f"{split}_recall"] = metrics[f"{split}_recall_{labels}"]
            log.info("selected epoch %s: %s accuracy %.4f (%s labels)", state.get("best_epoch"), split, acc, labels)
    if cfg.export:
        export_model(model, cfg, Path(cfg.export), metrics)
    atomic_write_json(metrics, out / "final_metrics.json")
    return metrics


def _measure_sources(cfg: TrainConfig, model: nn.Module, spec: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """Per source: accuracy on the split that picked the checkpoint and, once, on its own test split.

    A source without a test split of its own (a held-out slice is validation, not test) reports
    validation only; FER2013 sources report both label sets.
    """
    metrics: dict[str, Any] = {"sources": [s.title for s in sources_of(cfg)]}
    val_scores = []
    for source in sources_of(cfg):
        d = load_source(cfg, source)
        name = source.title
        if d.val is not None and len(d.val.y):
            pred = predict_sources(model, d.val.x, spec).argmax(1)
            val_scores.append(float((pred == d.val.y).mean()))
            metrics[f"val_accuracy_{name}"] = round(val_scores[-1], 4)
            metrics[f"val_recall_{name}"] = per_class_recall(d.val.y, pred)
        if not datasets.has_split(source.path, "test", source.fmt):
            continue
        fer = datasets.detect_format(source.path) == "fer2013"
        # FER2013 images have two label sets when the votes file is there: report both.
        other = [x for x in datasets.LABEL_SETS if x != d.labels and datasets.has_labels(source.path, x)] if fer else []
        cache = Path(cfg.cache_dir) if cfg.cache_dir else Path(cfg.out) / "cache"
        for labels in [d.labels, *other]:
            test = scored(datasets.load_split(source.path, "test", source.fmt, SOURCE_SIZE, cache, labels))
            pred = predict_sources(model, test.x, spec).argmax(1)
            key = f"{name}_{labels}" if fer else name
            metrics[f"test_accuracy_{key}"] = round(float((pred == test.y).mean()), 4)
            metrics[f"test_recall_{key}"] = per_class_recall(test.y, pred)
            log.info(
                "selected epoch %s: test accuracy %.4f on %s",
                state.get("best_epoch"),
                metrics[f"test_accuracy_{key}"],
                key,
            )
    metrics["val_accuracy"] = round(float(np.mean(val_scores)), 4) if val_scores else None
    return metrics


def config_from_checkpoint(out: Path) -> TrainConfig:
    """The configuration a run in ``out`` was started with (for ``--resume``)."""
    path = Path(out) / "last.pt"
    try:
        ckpt = torch.load(path, weights_only=True, map_location="cpu")
        data = json.loads(ckpt["config"])
    except Exception as exc:
        raise ModelError(f"cannot read checkpoint {path}: {exc}; start without --resume") from exc
    for key in ("widths", "scale_range", "stage_dropout"):
        if key in data:
            data[key] = tuple(data[key])
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in data.items() if k in known})
