"""Training recipes: a small JSON file, checked into the repository, that fixes a run's data and settings.

``{"description": ..., "sources": [{"path": ..., "labels": ..., "weight": ...}, ...],
"train": {<TrainConfig field>: value, ...}}``. Paths are relative to the folder the command
runs in (the repository root for the recipes in ``recipes/``). The recipe is checked here, so a
typo is an error naming the file and the key, not a run that silently trains on defaults.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from emolab.errors import DatasetError
from emolab.training.datasets import TRAIN_KEYS, parse_source


def load_recipe(path: Path) -> dict[str, Any]:
    """The recipe at ``path`` as ``{"sources": [Source dicts], "train": {TrainConfig fields}}``.

    Raises:
        DatasetError: for a missing or malformed recipe, naming the file and the problem.
    """
    from emolab.training.train import TrainConfig

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"cannot read the recipe {path}: {exc.strerror or exc}; check the --recipe path") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(f"recipe {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"recipe {path} must be a JSON object with 'sources' and 'train'")
    unknown = sorted(set(data) - {"description", "sources", "train"})
    if unknown:
        raise DatasetError(f"recipe {path}: unknown section {', '.join(unknown)}; use description, sources, train")
    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise DatasetError(
            f"recipe {path}: 'sources' must be a list of objects with 'path' and {', '.join(TRAIN_KEYS)}"
        )
    train = data.get("train") or {}
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    bad = sorted(set(train) - (fields - {"data", "sources", "out", "export", "device", "threads"}))
    if bad:
        raise DatasetError(f"recipe {path}: unknown or command-only training setting {', '.join(bad)}")
    for s in sources:
        try:
            parse_source(s, TRAIN_KEYS)  # each entry checked now, so the message can name the recipe
        except DatasetError as exc:
            raise DatasetError(f"recipe {path}: {exc}") from exc
    return {"sources": sources, "train": train}
