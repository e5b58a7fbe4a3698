"""What this installation can run: optional packages, the installed app, and clear refusals.

The installed app (a PyInstaller bundle) ships without PyTorch: its default models run with
ONNX Runtime. Models and commands that need PyTorch (facenet-pytorch's own MTCNN, the
prototype's YOLO and InceptionResnetV1, ``.pt`` weights, training) are then unavailable, and
say so with the reason instead of failing on an import deep inside.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

from emolab.errors import MissingPackageError
from emolab.modelcards import ModelCard

#: How a module is named to people.
PACKAGE_NAMES = {
    "torch": "PyTorch",
    "facenet_pytorch": "facenet-pytorch",
    "ultralytics": "ultralytics",
    "onnxruntime": "ONNX Runtime",
    "emolab.training": "emolab's training tools",
    "ray": "Ray",
}

#: Weights files that only PyTorch reads.
TORCH_WEIGHTS = (".pt", ".pth", ".pkl")

#: The packages each model backend runs on, beyond numpy and OpenCV (which every install has).
_BACKEND_PACKAGES: dict[str, tuple[str, ...]] = {
    "mtcnn": ("onnxruntime",),
    "mtcnn-torch": ("torch", "facenet_pytorch"),
    "yolo": ("torch", "ultralytics"),
    "yunet": (),  # OpenCV
    "resnet": ("torch", "facenet_pytorch"),
    "onnx": (),  # OpenCV's dnn module
}

DEVELOPER_INSTALL = (
    "a developer install: clone the repository and run 'bash scripts/setup.sh' (README, 'Developer set-up')"
)


def is_frozen() -> bool:
    """True in the installed app (a PyInstaller bundle), False in a source checkout or pip install."""
    return bool(getattr(sys, "frozen", False))


def app_root() -> Path:
    """The folder holding emolab's data files: the installed app's bundle, else the source checkout.

    PyInstaller points ``sys._MEIPASS`` at the folder its datas land in; pyinstaller.spec puts
    ``models/``, ``resources/``, ``demo/``, ``LICENSE`` and ``THIRD_PARTY_NOTICES.txt`` there,
    where a checkout has them (but ``demo/``: a checkout reads the photograph from scikit-image).
    """
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parent.parent


def missing_packages(modules: Iterable[str]) -> list[str]:
    """The modules of ``modules`` that cannot be imported here (found without importing them).

    A ``None`` entry in ``sys.modules`` blocks an import, as Python documents; it counts as missing.
    """
    out = []
    for name in modules:
        if name in sys.modules:
            if sys.modules[name] is None:
                out.append(name)
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(name)
    return out


def _names(modules: Iterable[str]) -> str:
    return " and ".join(PACKAGE_NAMES.get(m, m) for m in modules)


def why_missing(what: str, modules: Iterable[str]) -> str:
    """The sentence that says ``what`` cannot run without ``modules``, and what to do."""
    modules = list(modules)
    if is_frozen():
        return f"{what} needs {_names(modules)}, which the installed app leaves out; use {DEVELOPER_INSTALL}"
    return f"{what} needs {_names(modules)}, which is not installed here; run 'bash scripts/setup.sh' to install it"


def require_packages(what: str, *modules: str) -> None:
    """Refuse ``what`` clearly when one of ``modules`` is missing.

    Raises:
        MissingPackageError: naming ``what``, the missing packages and where they can be had.
    """
    missing = missing_packages(modules)
    if missing:
        raise MissingPackageError(why_missing(what, missing))


def model_packages(card: ModelCard) -> tuple[str, ...]:
    """The packages ``card``'s model runs on: its backend's, or PyTorch for ``.pt`` weights."""
    if card.backend == "emolab-cnn":
        suffix = Path(card.weights_path or "").suffix.lower()
        return ("torch",) if suffix in TORCH_WEIGHTS else ("onnxruntime",)
    return _BACKEND_PACKAGES.get(card.backend, ())


def unavailable_reason(card: ModelCard) -> str | None:
    """Why ``card``'s model cannot run in this installation (packages missing), or None."""
    missing = missing_packages(model_packages(card))
    return why_missing(f"the {card.task} {card.name!r}", missing) if missing else None


def check_runnable(card: ModelCard) -> None:
    """Raise :class:`MissingPackageError` when ``card``'s model cannot run here."""
    reason = unavailable_reason(card)
    if reason:
        raise MissingPackageError(reason)
