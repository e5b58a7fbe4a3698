"""Stage the models the app bundle ships: every card and ONNX file of models/, no PyTorch weights.

    python scripts/stage_models.py [SOURCE] [DEST]      (default: models/ -> build/app-models/)

The installed app runs without PyTorch, so ``.pt``/``.pth``/``.pkl`` files stay out of it
(their cards stay in, and ``emolab models`` says what those models would need). The build
stops when the default detector or classifier would need PyTorch (export it with
``emolab export-onnx``; emolab's own cards already name their ``.onnx`` files).

pyinstaller.spec calls :func:`stage`; scripts/build_app.sh runs the spec.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the repository's emolab, whatever an editable install points at

from emolab.runtime import TORCH_WEIGHTS  # noqa: E402


def stage(source: Path = REPO / "models", dest: Path = REPO / "build" / "app-models") -> Path:
    """Copy ``source`` into a fresh ``dest`` as the bundle ships it; returns ``dest``.

    Raises:
        SystemExit: when the default models would need PyTorch.
    """
    source, dest = Path(source), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix.lower() not in TORCH_WEIGHTS:
            shutil.copy2(path, dest / path.name)
    _check_defaults(dest)
    return dest


def _check_defaults(folder: Path) -> None:
    """Stop when the models the app picks by default would need PyTorch."""
    from emolab.classification import select_classifier_card
    from emolab.detection import select_detector_card
    from emolab.runtime import model_packages
    from emolab.settings import Settings

    settings = Settings(models_dir=folder)
    for task, select in (("detector", select_detector_card), ("classifier", select_classifier_card)):
        card, _ = select("auto", settings)
        if "torch" in model_packages(card):
            raise SystemExit(
                f"stage_models: the default {task} {card.name!r} ({card.file}) needs PyTorch, which the app "
                "bundle leaves out; export it to ONNX ('emolab export-onnx') and name the .onnx in its card"
            )
        print(f"stage_models: default {task}: {card.name} ({card.file})", flush=True)


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    print(stage(*args))
