"""Networks of emolab's own classifiers: a compact VGG-style CNN and facenet-pytorch's InceptionResnetV1.

Both are rebuilt from the ``input`` section of a model card (:func:`build_from_config`), so a
state-dict file plus its card is all the engine needs — no pickled modules. They live with the
classifier, not with the training code, so the runtime never imports ``emolab.training``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from emolab.errors import ModelError

ARCHS = ("cnn", "inception-resnet")

#: Widths of the four stages of the shipped compact CNN.
DEFAULT_WIDTHS: tuple[int, ...] = (32, 64, 128, 256)


def _stage(cin: int, cout: int, convs: int, dropout: float = 0.0) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [
            nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        ]
    layers.append(nn.MaxPool2d(2))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return layers


class CompactCNN(nn.Module):
    """VGG-style stages of 3x3 conv + BN + ReLU, max-pooled, then a small head.

    Plain 3x3 VGG stages are what the strongest single nets on 48x48 FER2013 use. Two heads:

    * ``"fc"``: flatten the last stage's map, linear ``fc_width`` + BN + ReLU + dropout, linear
      to the classes (the VGG recipe of ``../shared/docs/fer-recipe.md``; faster to train);
    * ``"gap"``: global average pooling, dropout, linear (fewer parameters).

    Args:
        widths: channels of each stage (each stage halves the resolution).
        convs_per_stage: 3x3 convolutions per stage.
        in_channels: 1 for gray input.
        num_classes: outputs (7 emotions).
        dropout: before the final linear layer.
        head: ``"fc"`` or ``"gap"``.
        stage_dropout: dropout after each stage's pooling (one value per stage, or empty).
        fc_width: width of the ``fc`` head's hidden layer.
        input_size: side of the input image (the ``fc`` head's size depends on it).
    """

    def __init__(
        self,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        convs_per_stage: int = 2,
        in_channels: int = 1,
        num_classes: int = 7,
        dropout: float = 0.4,
        head: str = "gap",
        stage_dropout: Sequence[float] = (),
        fc_width: int = 512,
        input_size: int = 48,
    ) -> None:
        super().__init__()
        if head not in ("fc", "gap"):
            raise ModelError(f"unknown CNN head {head!r}; expected 'fc' or 'gap'")
        drops = list(stage_dropout) or [0.0] * len(widths)
        layers: list[nn.Module] = []
        cin = in_channels
        for width, drop in zip(widths, drops):
            layers += _stage(cin, int(width), convs_per_stage, float(drop))
            cin = int(width)
        self.features = nn.Sequential(*layers)
        if head == "fc":
            side = int(input_size) // 2 ** len(widths)
            self.head = nn.Sequential(
                nn.Flatten(),
                nn.Linear(cin * side * side, fc_width, bias=False),
                nn.BatchNorm1d(fc_width),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
                nn.Linear(fc_width, num_classes),
            )
        else:
            self.head = nn.Sequential(
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, num_classes)
            )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (n, num_classes) for images (n, in_channels, h, w)."""
        return self.head(self.features(x))


def inception_resnet(num_classes: int = 7, pretrained: Path | None = None) -> nn.Module:
    """facenet-pytorch's InceptionResnetV1 with a ``num_classes`` head.

    Args:
        num_classes: outputs.
        pretrained: optional state-dict file (e.g. VGGFace2 or CASIA-WebFace weights the user
            downloaded); its ``logits`` layer is dropped when its size differs.

    Raises:
        ModelError: if the pretrained file cannot be read or does not fit the network.
    """
    from facenet_pytorch import InceptionResnetV1

    net = InceptionResnetV1(classify=True, num_classes=num_classes)
    if pretrained is not None:
        state = load_state_dict(Path(pretrained))
        own = net.state_dict()
        state = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        if len(state) < len(own) // 2:
            raise ModelError(
                f"pretrained file {pretrained} does not fit InceptionResnetV1 (only {len(state)} of "
                f"{len(own)} tensors match); pass facenet-pytorch weights such as 20180402-114759-vggface2.pt"
            )
        net.load_state_dict(state, strict=False)
    return net


def normalize_batch(x: torch.Tensor, spec: dict[str, Any]) -> torch.Tensor:
    """Scale crops (n, c, h, w) in [0, 1] as the card says: per-image standardised or fixed."""
    if spec.get("normalize", "fixed") == "per_image":
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        return (x - mean) / (std + 1e-3)
    return (x - float(spec.get("mean", 0.5))) / float(spec.get("std", 0.5))


def build_from_config(cfg: dict[str, Any]) -> nn.Module:
    """Build the network a card's ``input`` section describes (``arch``, ``widths``, ...)."""
    arch = cfg.get("arch", "cnn")
    if arch == "cnn":
        return CompactCNN(
            widths=tuple(cfg.get("widths", DEFAULT_WIDTHS)),
            convs_per_stage=int(cfg.get("convs_per_stage", 2)),
            in_channels=1 if cfg.get("color", "gray") == "gray" else 3,
            num_classes=int(cfg.get("num_classes", 7)),
            dropout=float(cfg.get("dropout", 0.4)),
            head=str(cfg.get("head", "gap")),
            stage_dropout=tuple(cfg.get("stage_dropout", ())),
            fc_width=int(cfg.get("fc_width", 512)),
            input_size=int(cfg.get("size", 48)),
        )
    if arch == "inception-resnet":
        return inception_resnet(int(cfg.get("num_classes", 7)))
    raise ModelError(f"unknown architecture {arch!r} in model card; expected one of {ARCHS}")


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A state dict saved with ``torch.save``, read safely (``weights_only=True``).

    Accepts a bare state dict or a checkpoint holding one under ``model``/``state_dict``.

    Raises:
        ModelError: if the file is missing, is not a torch file or holds no tensors.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist; check the path or retrain with `emolab train`")
    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises many types for corrupt or pickled-code files
        raise ModelError(
            f"cannot read model file {path} as a torch state dict ({type(exc).__name__}: {exc}); "
            "re-export it with `emolab train` or download it again"
        ) from exc
    if isinstance(obj, dict):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ModelError(f"model file {path} holds no state dict of tensors; re-export it with `emolab train`")
    return obj
