"""Stage the models the app bundle ships: every card and ONNX file of models/, no PyTorch weights.

    python scripts/stage_models.py [SOURCE] [DEST]      (default: models/ -> build/app-models/)

The installed app runs without PyTorch, so ``.pt``/``.pth``/``.pkl`` files stay out of it
(their cards stay in, and ``emolab models`` says what those models would need). A classifier
of emolab's whose card still names ``.pt`` weights is first exported to ONNX in the staged
copy, with ``emolab export-onnx`` itself, so the bundle always has its default classifier.
The build stops when the default detector or classifier would need PyTorch.

pyinstaller.spec calls :func:`stage`; scripts/build_app.sh runs the spec.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TORCH_WEIGHTS = (".pt", ".pth", ".pkl")


def _needs_export(card: dict) -> bool:
    return card.get("backend") == "emolab-cnn" and Path(card.get("file") or "").suffix.lower() in TORCH_WEIGHTS


def stage(source: Path = REPO / "models", dest: Path = REPO / "build" / "app-models") -> Path:
    """Copy ``source`` into a fresh ``dest`` as the bundle ships it; returns ``dest``.

    Raises:
        SystemExit: when the default models would need PyTorch, or an export fails.
    """
    source, dest = Path(source), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix.lower() not in TORCH_WEIGHTS:
            shutil.copy2(path, dest / path.name)
    cards = {p: json.loads(p.read_text(encoding="utf-8")) for p in dest.glob("*.json")}
    to_export = [c for c in cards.values() if _needs_export(c) and (source / c["file"]).is_file()]
    if to_export:
        for card in to_export:
            shutil.copy2(source / card["file"], dest / card["file"])
        print(f"stage_models: exporting {', '.join(c['file'] for c in to_export)} to ONNX for the bundle", flush=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        cmd = [sys.executable, "-m", "emolab", "export-onnx", "--skip-mtcnn", "--models-dir", str(dest)]
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            raise SystemExit("stage_models: 'emolab export-onnx' failed; see above")
        for card in to_export:
            (dest / card["file"]).unlink()
    _check_defaults(dest)
    return dest


def _check_defaults(folder: Path) -> None:
    """Stop when the models the app picks by default would need PyTorch."""
    sys.path.insert(0, str(REPO))
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
