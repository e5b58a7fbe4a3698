"""Model cards: the JSON file beside every model that says what it is and how to feed it.

A card for ``models/foo.onnx`` is ``models/foo.json``. A model file kept elsewhere may have
its card beside it, or use the card of the same name that emolab ships in ``models/`` (so the
prototype's files and the reference models work wherever the user keeps them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from emolab.errors import ModelError

TASKS = ("detector", "classifier")


@dataclass(frozen=True)
class ModelCard:
    """What a model is, where its weights are and how its input must be prepared."""

    name: str
    task: str
    backend: str
    #: Weights file name (relative to the card's folder), or None for weights a package ships.
    file: str | None
    card_path: Path | None = None
    labels: tuple[str, ...] = ()
    input: dict[str, Any] = field(default_factory=dict)
    license: str = ""
    training_data: str = ""
    description: str = ""
    source: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    date: str = ""
    #: Higher wins when emolab picks a model automatically.
    priority: int = 0
    #: Set when a user points at a weights file outside the card's folder.
    weights_override: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def weights_path(self) -> Path | None:
        if self.weights_override is not None:
            return self.weights_override
        if self.file is None:
            return None
        base = self.card_path.parent if self.card_path is not None else Path(".")
        return base / self.file

    @property
    def installed(self) -> bool:
        """True when the weights are present (or come with a package)."""
        path = self.weights_path
        return path is None or path.is_file()

    def with_weights(self, path: Path) -> ModelCard:
        return dataclasses.replace(self, weights_override=Path(path))

    def to_dict(self) -> dict[str, Any]:
        """The card as stored in a session's ``session.json``.

        It names the weights file, and keeps no path of the machine the model was trained on or
        emolab was installed on: absolute paths in the card's text become their last part.
        Only a weights file the user pointed at elsewhere keeps its full path.
        """
        out = {
            "name": self.name,
            "task": self.task,
            "backend": self.backend,
            "file": self.file,
            "labels": list(self.labels),
            "input": self.input,
            "license": self.license,
            "training_data": self.training_data,
            "description": self.description,
            "source": self.source,
            "metrics": self.metrics,
            "date": self.date,
        }
        out.update(self.extra)
        out = without_local_paths(out)
        out["weights"] = str(self.weights_override) if self.weights_override is not None else self.file
        return out


#: An absolute path inside a text: POSIX (two parts at least, so "/255" is not one), in the home
#: folder (``~/...``), or Windows (``C:\...``). A slash right after a word character, a dot or
#: another slash starts no path (``48/96``, ``../shared``, ``https://...``).
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/~\\-])(?:/[\w.@+-]+){2,}/?"
    r"|(?<![\w])~[/\\][^\s\"',;)]*"
    r"|(?<![\w])[A-Za-z]:[\\/][^\s\"',;)]*"
)


def absolute_paths_in(value: Any) -> list[str]:
    """Every absolute path in the strings of ``value`` (dicts, lists and strings, recursively)."""
    if isinstance(value, str):
        return ABSOLUTE_PATH.findall(value)
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in absolute_paths_in(k) + absolute_paths_in(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in absolute_paths_in(v)]
    return []


def without_local_paths(value: Any) -> Any:
    """A copy of ``value`` whose strings name files by their last part instead of an absolute path."""
    if isinstance(value, str):
        return ABSOLUTE_PATH.sub(lambda m: PureWindowsPath(m.group(0).rstrip("/\\")).name, value)
    if isinstance(value, dict):
        return {k: without_local_paths(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_local_paths(v) for v in value]
    return value


_KNOWN = {
    "name",
    "task",
    "backend",
    "file",
    "labels",
    "input",
    "license",
    "training_data",
    "description",
    "source",
    "metrics",
    "date",
    "priority",
}


def load_card(path: Path) -> ModelCard:
    """Read and check one card.

    Raises:
        ModelError: if the file is not valid JSON or misses required fields.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read model card {path}: {exc}. Fix the JSON or remove the file.") from exc
    if not isinstance(data, dict):
        raise ModelError(f"model card {path} must hold a JSON object")
    missing = [k for k in ("name", "task", "backend") if k not in data]
    if missing:
        raise ModelError(f"model card {path} lacks {', '.join(missing)}")
    if data["task"] not in TASKS:
        raise ModelError(f"model card {path}: task must be one of {TASKS}, got {data['task']!r}")
    return ModelCard(
        name=str(data["name"]),
        task=data["task"],
        backend=str(data["backend"]),
        file=data.get("file"),
        card_path=path,
        labels=tuple(data.get("labels") or ()),
        input=dict(data.get("input") or {}),
        license=str(data.get("license", "")),
        training_data=str(data.get("training_data", "")),
        description=str(data.get("description", "")),
        source=str(data.get("source", "")),
        metrics=dict(data.get("metrics") or {}),
        date=str(data.get("date", "")),
        priority=int(data.get("priority", 0)),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


def discover_cards(models_dir: Path) -> list[ModelCard]:
    """All cards in ``models_dir``, installed or not, highest priority first."""
    cards: list[ModelCard] = []
    folder = Path(models_dir)
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            cards.append(load_card(path))
    return sorted(cards, key=lambda c: (-c.priority, c.name))


MODEL_SUFFIXES = (".pt", ".pth", ".pkl", ".onnx", ".safetensors")


def uncarded_files(models_dir: Path) -> list[Path]:
    """Model files in ``models_dir`` that no card describes (so emolab cannot use them yet)."""
    folder = Path(models_dir)
    if not folder.is_dir():
        return []
    claimed = set()
    for card in discover_cards(folder):
        claimed.add(card.file)
        claimed.update(card.extra.get("alternate_files", []))
    return [p for p in sorted(folder.iterdir()) if p.suffix in MODEL_SUFFIXES and p.name not in claimed]


def card_for_file(weights: Path, models_dir: Path) -> ModelCard:
    """The card describing a weights file the user points at.

    Looks for ``<file>.json`` beside it, then a shipped card in ``models_dir`` naming the same
    file.

    Raises:
        ModelError: if the file is missing or no card describes it.
    """
    weights = Path(weights)
    if not weights.is_file():
        raise ModelError(f"model file {weights} does not exist; check the path")
    beside = weights.with_suffix(".json")
    if beside.is_file():
        return load_card(beside).with_weights(weights)
    for card in discover_cards(models_dir):
        if weights.name == card.file or weights.name in card.extra.get("alternate_files", []):
            return card.with_weights(weights)
    raise ModelError(
        f"no model card for {weights}: write {beside.name} beside it (see models/README.md for "
        "the fields: task, backend, labels in output order, input size, colour, normalisation, "
        "alignment)"
    )


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
