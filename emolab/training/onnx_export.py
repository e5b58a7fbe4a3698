"""Export the networks emolab ships to ONNX, so the runtime needs ONNX Runtime and not PyTorch.

Developer-side only (imports torch): ``emolab train`` exports its classifier with
:func:`export_classifier`, and ``emolab export-onnx`` re-exports the shipped models, MTCNN's
three networks included (their weights come with facenet-pytorch).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from emolab.errors import ModelError

log = logging.getLogger(__name__)

OPSET = 17

#: MTCNN's networks, their input side (None: any size) and output names, in facenet-pytorch's order.
MTCNN_NETS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "pnet": (None, ("reg", "prob")),
    "rnet": (24, ("reg", "prob")),
    "onet": (48, ("reg", "landmarks", "prob")),
}


def _export(model: nn.Module, example: torch.Tensor, path: Path, outputs: tuple[str, ...], spatial: bool) -> None:
    model.eval()
    axes = {"input": {0: "n", 2: "h", 3: "w"} if spatial else {0: "n"}}
    axes.update({name: {0: "n"} for name in outputs})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example,),
            str(tmp),
            input_names=["input"],
            output_names=list(outputs),
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and gives a plain, small graph
        )
    _check_same(model, example, tmp)
    tmp.replace(path)
    log.info("exported %s", path)


def _check_same(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """Refuse an export whose outputs differ from PyTorch's on ``example``."""
    from emolab.onnxrt import onnx_session

    with torch.no_grad():
        ref = model(example)
    ref = ref if isinstance(ref, tuple) else (ref,)
    got = onnx_session(path).run(None, {"input": example.numpy()})
    for r, g in zip(ref, got):
        err = float(np.abs(r.numpy() - g).max())
        if err > 1e-3:
            path.unlink(missing_ok=True)
            raise ModelError(f"ONNX export of {path.name} differs from PyTorch by {err:.2e}; not written")


def export_classifier(model: nn.Module, size: int, channels: int, path: Path) -> Path:
    """Write an emolab classifier network as ONNX (input ``(n, channels, size, size)``, output logits)."""
    _export(model.float().cpu(), torch.randn(2, channels, size, size), Path(path), ("logits",), spatial=False)
    return Path(path)


def export_mtcnn(folder: Path) -> list[Path]:
    """Export facenet-pytorch's MTCNN networks (its shipped weights) as ``mtcnn_{pnet,rnet,onet}.onnx``.

    Raises:
        ModelError: if facenet-pytorch is not installed.
    """
    try:
        from facenet_pytorch.models.mtcnn import ONet, PNet, RNet
    except ImportError as exc:
        raise ModelError("exporting MTCNN needs facenet-pytorch (a developer install: scripts/setup.sh)") from exc
    out = []
    for name, net in (("pnet", PNet), ("rnet", RNet), ("onet", ONet)):
        side, outputs = MTCNN_NETS[name]
        example = torch.rand(2, 3, side or 60, side or 80) * 2 - 1
        path = Path(folder) / f"mtcnn_{name}.onnx"
        _export(net(pretrained=True), example, path, outputs, spatial=side is None)
        out.append(path)
    return out
