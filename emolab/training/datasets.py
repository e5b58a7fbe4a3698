"""Emotion datasets on disk: image folders, FER2013's split layout and RAF-DB's label list.

Every reader returns a list of :class:`Sample` (path + canonical label index); the training
loop then loads them once into an in-memory uint8 array (:func:`load_images`), because on a
2-core machine per-image loading workers would cost more than the network itself.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emolab.emotions import EMOTIONS, canonical_label
from emolab.errors import DatasetError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
FORMATS = ("auto", "folders", "fer2013", "rafdb")

#: RAF-DB basic-expression labels 1..7, in the dataset's own order.
RAFDB_LABELS: tuple[str, ...] = ("surprise", "fear", "disgust", "happy", "sad", "angry", "neutral")

_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "publictest": "val",
    "test": "test",
    "privatetest": "test",
}

#: FER2013 file-name prefixes inside ``test/`` that tell the validation and test splits apart.
_FER_PREFIX = {"train": "Training_", "val": "PublicTest_", "test": "PrivateTest_"}


@dataclass(frozen=True)
class Sample:
    """One labelled image: ``label`` indexes :data:`emolab.emotions.EMOTIONS`."""

    path: Path
    label: int


def normalize_split(split: str) -> str:
    """Map ``train``/``val``/``validation``/``test`` (and FER's names) to train, val or test.

    Raises:
        DatasetError: for a split name emolab does not know.
    """
    key = split.strip().lower().replace("-", "").replace("_", "")
    if key not in _SPLIT_ALIASES:
        raise DatasetError(f"unknown split {split!r}; use train, val (validation) or test")
    return _SPLIT_ALIASES[key]


def detect_format(root: Path) -> str:
    """Guess a dataset's layout: ``rafdb``, ``fer2013`` or ``folders``.

    Raises:
        DatasetError: if ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} does not exist; check the --data path")
    if _find_rafdb_list(root) is not None:
        return "rafdb"
    if (root / "train").is_dir() and (root / "test").is_dir():
        names = (p.name for p in (root / "test").rglob("*") if p.is_file())
        if any(n.startswith(("PublicTest_", "PrivateTest_")) for n in names):
            return "fer2013"
    return "folders"


def _class_dirs(folder: Path) -> list[tuple[Path, int]]:
    """Sub-folders of ``folder`` whose names are emotions, with their canonical index."""
    out: list[tuple[Path, int]] = []
    unknown: list[str] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:
            out.append((sub, EMOTIONS.index(canonical_label(sub.name))))
        except ValueError:
            unknown.append(sub.name)
    if unknown:
        log.warning("ignoring folders that are not emotions in %s: %s", folder, ", ".join(unknown))
    if not out:
        raise DatasetError(
            f"no class folders in {folder}: expected one sub-folder per emotion named "
            f"{', '.join(EMOTIONS)} (common aliases such as 'happiness' are accepted)"
        )
    return out


def _images_in(folder: Path, prefix: str = "") -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and p.name.startswith(prefix)
    )


def folder_samples(folder: Path, prefix: str = "") -> list[Sample]:
    """All images of an image-folder tree (``folder/<class>/*.jpg``), names starting with ``prefix``.

    Raises:
        DatasetError: if the folder is missing, has no class folders or no matching images.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"dataset folder {folder} does not exist; check the --data path")
    samples = [Sample(path, label) for sub, label in _class_dirs(folder) for path in _images_in(sub, prefix)]
    if not samples:
        what = f"images named {prefix}*" if prefix else "images"
        raise DatasetError(f"no {what} under the class folders of {folder}")
    return samples


def fer2013_samples(root: Path, split: str) -> list[Sample]:
    """FER2013 in its folder layout.

    ``train`` is ``train/<class>/Training_*``; ``val`` is ``test/<class>/PublicTest_*`` and
    ``test`` is ``test/<class>/PrivateTest_*`` — the two share the ``test/`` folder and are
    told apart by file name, so checkpoints are never picked on the test split.
    """
    split = normalize_split(split)
    root = Path(root)
    folder = root / ("train" if split == "train" else "test")
    if not folder.is_dir():
        raise DatasetError(
            f"FER2013 folder {folder} is missing; expected {root}/train/<class>/Training_*.jpg "
            f"and {root}/test/<class>/PublicTest_*.jpg, PrivateTest_*.jpg"
        )
    return folder_samples(folder, _FER_PREFIX[split])


def _find_rafdb_list(root: Path) -> Path | None:
    for candidate in (
        root / "list_patition_label.txt",
        root / "EmoLabel" / "list_patition_label.txt",
        root / "basic" / "EmoLabel" / "list_patition_label.txt",
    ):
        if candidate.is_file():
            return candidate
    return None


def _find_rafdb_images(root: Path) -> Path:
    for candidate in (
        root / "aligned",
        root / "Image" / "aligned",
        root / "basic" / "Image" / "aligned",
        root / "images",
    ):
        if candidate.is_dir():
            return candidate
    raise DatasetError(
        f"RAF-DB images not found under {root}: expected an 'aligned' folder (Image/aligned) "
        "holding e.g. train_00001_aligned.jpg"
    )


def rafdb_samples(root: Path, split: str) -> list[Sample]:
    """RAF-DB basic expressions: ``list_patition_label.txt`` lines ``train_00001.jpg 5``.

    RAF-DB has train and test partitions only; ``val`` and ``test`` both read ``test_*``
    (RAF-DB's published protocol reports on it), so say which you used when you compare.

    Raises:
        DatasetError: if the list or the images are missing or a line is malformed.
    """
    split = normalize_split(split)
    root = Path(root)
    listing = _find_rafdb_list(root)
    if listing is None:
        raise DatasetError(f"RAF-DB label list list_patition_label.txt not found under {root}")
    images = _find_rafdb_images(root)
    want = "train_" if split == "train" else "test_"
    samples: list[Sample] = []
    for lineno, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            name, raf = parts[0], int(parts[1])
            label = EMOTIONS.index(RAFDB_LABELS[raf - 1])
            if not 1 <= raf <= 7:
                raise IndexError(raf)
        except (IndexError, ValueError) as exc:
            raise DatasetError(f"{listing}:{lineno}: expected '<image> <label 1..7>', got {line!r}") from exc
        if not name.startswith(want):
            continue
        stem, suffix = Path(name).stem, Path(name).suffix
        path = images / f"{stem}_aligned{suffix}"
        if not path.is_file():
            path = images / name
        if not path.is_file():
            raise DatasetError(f"RAF-DB image for {name} missing in {images}")
        samples.append(Sample(path, label))
    if not samples:
        raise DatasetError(f"no {want}* images listed in {listing}")
    return samples


def list_samples(root: Path, split: str, fmt: str = "auto") -> list[Sample]:
    """Samples of ``split`` from a dataset in any supported layout.

    For ``folders``: ``root/<split>/<class>/`` if such a folder exists (``val`` also accepts
    ``validation``), else ``root/<class>/`` holds every image of the one split asked for.

    Raises:
        DatasetError: for a missing or malformed dataset.
    """
    root = Path(root)
    if fmt not in FORMATS:
        raise DatasetError(f"unknown dataset format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "auto":
        fmt = detect_format(root)
    split = normalize_split(split)
    if fmt == "fer2013":
        return fer2013_samples(root, split)
    if fmt == "rafdb":
        return rafdb_samples(root, split)
    names = {"train": ("train", "training"), "val": ("val", "validation", "valid"), "test": ("test",)}
    for name in names[split]:
        if (root / name).is_dir():
            return folder_samples(root / name)
    if any((root / n).is_dir() for ns in names.values() for n in ns):
        raise DatasetError(f"dataset {root} has split folders but none for split {split!r}")
    return folder_samples(root)


def load_images(samples: Sequence[Sample], size: int = 48) -> np.ndarray:
    """Decode ``samples`` as gray uint8 (n, size, size); other sizes are resized with INTER_AREA.

    Raises:
        DatasetError: if an image cannot be decoded.
    """
    out = np.empty((len(samples), size, size), dtype=np.uint8)
    for i, sample in enumerate(samples):
        img = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise DatasetError(f"cannot decode image {sample.path}; delete or replace it")
        if img.shape != (size, size):
            img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        out[i] = img
    return out


def load_split(
    root: Path, split: str, fmt: str = "auto", size: int = 48, cache_dir: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, size, size) uint8 and labels (n,) int64 of one split, cached as .npz if asked."""
    samples = list_samples(root, split, fmt)
    cache: Path | None = None
    if cache_dir is not None:
        import hashlib

        key = hashlib.sha1("\n".join(f"{s.path}:{s.label}" for s in samples).encode() + str(size).encode()).hexdigest()[
            :12
        ]
        cache = Path(cache_dir) / f"{normalize_split(split)}_{size}_{key}.npz"
        if cache.is_file():
            with np.load(cache) as data:
                return data["x"], data["y"]
    x = load_images(samples, size)
    y = np.array([s.label for s in samples], dtype=np.int64)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.stem + ".tmp.npz")
        np.savez(tmp, x=x, y=y)
        tmp.replace(cache)
    counts = Counter(EMOTIONS[i] for i in y.tolist())
    log.info("%s split of %s: %d images %s", split, root, len(y), dict(counts))
    return x, y
