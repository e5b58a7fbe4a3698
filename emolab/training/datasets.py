"""Emotion datasets on disk: image folders, FER2013's split layout, FER+ crowd votes, RAF-DB.

Every reader returns a list of :class:`Sample` (path + canonical label index, and for FER+ the
crowd's votes); the training loop then loads them once into an in-memory uint8 array
(:func:`load_split`), because on a 2-core machine per-image loading workers would cost more
than the network itself.

Two label sets exist for FER2013 images (``--labels``):

* ``fer2013``: the dataset's own folder labels (noisy: they agree with the crowd on 62%);
* ``ferplus``: Microsoft's FER+ relabelling, 10 annotators per image
  (``ferplus_votes.csv`` beside the images). Training uses the vote distribution over the 7
  emotions as a soft target; scoring uses the crowd's majority (:func:`ferplus_majority`).
"""

from __future__ import annotations

import dataclasses
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


LABEL_SETS = ("fer2013", "ferplus")

#: The vote columns of ``ferplus_votes.csv``, in the file's order.
FERPLUS_COLUMNS: tuple[str, ...] = (
    "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF",
)  # fmt: skip
#: How many of those columns are the 7 emotions (the rest: contempt, unknown, not a face).
_FERPLUS_N_EMOTIONS = 7
#: Canonical emotion index of each of the first 7 vote columns.
_FERPLUS_TO_CANONICAL = np.array([EMOTIONS.index(canonical_label(c)) for c in FERPLUS_COLUMNS[:7]])
FERPLUS_FILE = "ferplus_votes.csv"


@dataclass(frozen=True)
class Sample:
    """One labelled image: ``label`` indexes :data:`emolab.emotions.EMOTIONS` (-1: no label).

    ``votes`` holds the FER+ crowd's vote counts in :data:`FERPLUS_COLUMNS` order when the
    labels are ``ferplus``; ``label`` is then the crowd majority (:func:`ferplus_majority`).
    """

    path: Path
    label: int
    votes: tuple[int, ...] | None = None


def ferplus_distribution(votes: np.ndarray) -> np.ndarray:
    """Votes (n, 10) -> the normalised distribution over the 7 emotions (n, 7), canonical order.

    Contempt, unknown and not-a-face votes are dropped before normalising; a row with no
    emotion vote at all becomes all zeros (such images are left out of training).
    """
    votes = np.asarray(votes, dtype=np.float64).reshape(-1, len(FERPLUS_COLUMNS))
    emo = votes[:, :_FERPLUS_N_EMOTIONS]
    out = np.zeros((len(votes), len(EMOTIONS)))
    out[:, _FERPLUS_TO_CANONICAL] = emo
    total = out.sum(1, keepdims=True)
    return np.divide(out, total, out=np.zeros_like(out), where=total > 0).astype(np.float32)


def ferplus_trainable(votes: np.ndarray) -> np.ndarray:
    """True for images whose votes are mostly emotions: more emotion votes than contempt, unknown and NF together."""
    votes = np.asarray(votes, dtype=np.int64).reshape(-1, len(FERPLUS_COLUMNS))
    return votes[:, :_FERPLUS_N_EMOTIONS].sum(1) > votes[:, _FERPLUS_N_EMOTIONS:].sum(1)


def ferplus_majority(votes: np.ndarray) -> np.ndarray:
    """The crowd-majority label of each image (canonical index), or -1 where there is none.

    An image has a majority label when one emotion has strictly more votes than every other
    emotion and at least as many as each of contempt, unknown and not-a-face (an ``argmax``
    over the vote columns in file order, where the emotions come first: the rule that gives
    3,371 labelled PrivateTest images).
    """
    votes = np.asarray(votes, dtype=np.int64).reshape(-1, len(FERPLUS_COLUMNS))
    emo, other = votes[:, :_FERPLUS_N_EMOTIONS], votes[:, _FERPLUS_N_EMOTIONS:]
    top = emo.max(1)
    ok = ((emo == top[:, None]).sum(1) == 1) & (top >= other.max(1)) & (top > 0)
    return np.where(ok, _FERPLUS_TO_CANONICAL[emo.argmax(1)], -1).astype(np.int64)


def read_ferplus_votes(path: Path) -> dict[str, tuple[int, ...]]:
    """``ferplus_votes.csv``: image path relative to the dataset folder -> 10 vote counts.

    Raises:
        DatasetError: if the file is missing or a row is malformed.
    """
    import csv

    path = Path(path)
    if not path.is_file():
        raise DatasetError(
            f"FER+ votes file {path} not found; --labels ferplus needs {FERPLUS_FILE} beside the FER2013 "
            "folders (columns file, neutral, happiness, ..., NF), or use --labels fer2013"
        )
    out: dict[str, tuple[int, ...]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("file", *FERPLUS_COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{path}: missing columns {', '.join(missing)}")
        for lineno, row in enumerate(reader, 2):
            try:
                out[row["file"].replace("\\", "/")] = tuple(int(row[c]) for c in FERPLUS_COLUMNS)
            except (TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{lineno}: vote counts must be integers ({exc})") from exc
    return out


def with_ferplus_votes(samples: Sequence[Sample], root: Path, votes_file: Path | None = None) -> list[Sample]:
    """``samples`` that have FER+ votes, relabelled with the crowd majority (-1 where none)."""
    root = Path(root)
    votes = read_ferplus_votes(votes_file or root / FERPLUS_FILE)
    out: list[Sample] = []
    for s in samples:
        v = votes.get(s.path.relative_to(root).as_posix())
        if v is not None:
            out.append(Sample(s.path, int(ferplus_majority(np.array(v))[0]), v))
    if not out:
        raise DatasetError(f"none of the {len(samples)} images under {root} has FER+ votes; check the votes file")
    log.info("FER+ votes for %d of %d images", len(out), len(samples))
    return out


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


def resolve_labels(root: Path, labels: str) -> str:
    """``auto`` -> ``ferplus`` when the FER+ votes file sits beside the images, else ``fer2013``."""
    if labels == "auto":
        return "ferplus" if (Path(root) / FERPLUS_FILE).is_file() else "fer2013"
    if labels not in LABEL_SETS:
        raise DatasetError(f"unknown label set {labels!r}; use auto or one of {', '.join(LABEL_SETS)}")
    return labels


def has_labels(root: Path, labels: str) -> bool:
    """True when ``labels`` can score the dataset: FER+ needs its votes file, the folder labels always can."""
    return labels != "ferplus" or (Path(root) / FERPLUS_FILE).is_file()


def list_samples(root: Path, split: str, fmt: str = "auto", labels: str = "fer2013") -> list[Sample]:
    """Samples of ``split`` from a dataset in any supported layout.

    For ``folders``: ``root/<split>/<class>/`` if such a folder exists (``val`` also accepts
    ``validation``), else ``root/<class>/`` holds every image of the one split asked for.
    ``labels="ferplus"`` (FER2013 only) keeps the images with crowd votes and labels them with
    the crowd majority (-1 where there is none).

    Raises:
        DatasetError: for a missing or malformed dataset.
    """
    root = Path(root)
    if fmt not in FORMATS:
        raise DatasetError(f"unknown dataset format {fmt!r}; use one of {', '.join(FORMATS)}")
    labels = resolve_labels(root, labels)
    if fmt == "auto":
        fmt = detect_format(root)
    split = normalize_split(split)
    if labels == "ferplus":
        if fmt != "fer2013":
            raise DatasetError(f"--labels ferplus needs FER2013's folder layout; {root} looks like {fmt}")
        return with_ferplus_votes(fer2013_samples(root, split), root)
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
    """Decode ``samples`` as gray uint8 (n, size, size): the central square, resized (:func:`square`).

    Raises:
        DatasetError: if an image cannot be decoded.
    """
    out = np.empty((len(samples), size, size), dtype=np.uint8)
    for i, sample in enumerate(samples):
        img = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise DatasetError(f"cannot decode image {sample.path}; delete or replace it")
        out[i] = square(img, size)
    return out


def square(img: np.ndarray, size: int) -> np.ndarray:
    """The central square of ``img`` (its shorter side), resized to ``size`` with INTER_AREA.

    Face crops that are not square (SFEW's 143x181) keep the face's proportions: the crop a
    detector-driven engine would see of the same face, never a squashed one.
    """
    h, w = img.shape[:2]
    if h != w:
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        img = img[y0 : y0 + side, x0 : x0 + side]
    if img.shape[:2] != (size, size):
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return img


@dataclass
class Split:
    """One split in memory: images (n, size, size) uint8, hard labels (n,) and soft targets (n, 7).

    ``y`` is -1 where an image has no single label (FER+ without a crowd majority); ``soft`` is
    the FER+ vote distribution, or the one-hot of ``y`` for single-label datasets;
    ``trainable`` is False for FER+ images whose votes are mostly not emotions.
    """

    x: np.ndarray
    y: np.ndarray
    soft: np.ndarray
    trainable: np.ndarray

    def subset(self, keep: np.ndarray) -> Split:
        return Split(self.x[keep], self.y[keep], self.soft[keep], self.trainable[keep])


def load_split(
    root: Path,
    split: str,
    fmt: str = "auto",
    size: int = 48,
    cache_dir: Path | None = None,
    labels: str = "fer2013",
) -> Split:
    """One split of a dataset in memory; decoded pixels are cached as .npz in ``cache_dir`` if given."""
    labels = resolve_labels(root, labels)
    samples = list_samples(root, split, fmt, labels)
    x = _cached_images(samples, size, cache_dir, normalize_split(split))
    y = np.array([s.label for s in samples], dtype=np.int64)
    if labels == "ferplus":
        votes = np.array([s.votes for s in samples])
        soft, trainable = ferplus_distribution(votes), ferplus_trainable(votes)
    else:
        soft, trainable = np.eye(len(EMOTIONS), dtype=np.float32)[y], np.ones(len(y), dtype=bool)
    counts = Counter(EMOTIONS[i] for i in y.tolist() if i >= 0)
    log.info("%s split of %s (%s labels): %d images %s", split, root, labels, len(y), dict(counts))
    return Split(x, y, soft, trainable)


def _cached_images(samples: Sequence[Sample], size: int, cache_dir: Path | None, tag: str) -> np.ndarray:
    if cache_dir is None:
        return load_images(samples, size)
    import hashlib

    key = hashlib.sha1("\n".join(str(s.path) for s in samples).encode() + str(size).encode()).hexdigest()[:12]
    cache = Path(cache_dir) / f"{tag}_{size}_{key}.npz"
    if cache.is_file():
        with np.load(cache) as data:
            return data["x"]
    x = load_images(samples, size)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.stem + ".tmp.npz")
    np.savez(tmp, x=x)
    tmp.replace(cache)
    return x


# ----------------------------------------------------------------------------- several sources


@dataclass(frozen=True)
class Source:
    """One dataset of a multi-source run or evaluation: ``PATH[:key=value,...]`` on the command line.

    Keys: ``labels`` (auto, ferplus, fer2013 — for folder datasets the folder names), ``fmt``,
    ``weight`` (share of each training epoch drawn from it, relative to the other sources),
    ``smoothing`` (of one-hot targets; FER+ votes are already soft), ``holdout`` (fraction of
    its train split kept aside, stratified and seeded, to pick the checkpoint when it has no
    validation split of its own), ``split`` (evaluation), ``detector`` (evaluation: go through
    face detection) and ``name`` (how tables and cards call it; default the folder name).
    """

    path: Path
    labels: str = "auto"
    fmt: str = "auto"
    weight: float = 1.0
    smoothing: float = 0.1
    holdout: float = 0.0
    split: str = "test"
    detector: str = ""
    name: str = ""

    @property
    def title(self) -> str:
        return self.name or self.path.name

    def to_dict(self) -> dict[str, object]:
        return {**dataclasses.asdict(self), "path": str(self.path)}


SOURCE_KEYS = tuple(f.name for f in dataclasses.fields(Source) if f.name != "path")
#: What a training source may set, and what a dataset to evaluate may set.
TRAIN_KEYS = ("labels", "fmt", "weight", "smoothing", "holdout", "name")
EVAL_KEYS = ("split", "labels", "fmt", "detector", "name")


def parse_source(
    spec: str | dict | Source, allowed: Sequence[str] = SOURCE_KEYS, defaults: dict[str, object] | None = None
) -> Source:
    """``PATH`` or ``PATH:key=value,key=value`` (or a recipe's dict) -> :class:`Source`.

    ``defaults`` fill the keys the spec does not set (a command's own ``--split``, ``--labels``).

    Raises:
        DatasetError: for an unknown key or a value of the wrong kind, naming the spec.
    """
    if isinstance(spec, Source):
        return spec
    if isinstance(spec, dict):
        fields = dict(spec)
        path = fields.pop("path", fields.pop("data", None))
        if path is None:
            raise DatasetError(f"dataset entry {spec!r} has no 'path'")
        text = str(spec)
    else:
        text = str(spec)
        path, fields = text, {}
        head, sep, tail = text.rpartition(":")
        if sep and "=" in tail and head:
            path = head
            for item in filter(None, (t.strip() for t in tail.split(","))):
                key, eq, value = item.partition("=")
                if not eq:
                    raise DatasetError(f"dataset {text!r}: expected key=value after ':', got {item!r}")
                fields[key.strip()] = value.strip()
    unknown = sorted(set(fields) - set(allowed))
    fields = {**(defaults or {}), **fields}
    if unknown:
        raise DatasetError(f"dataset {text!r}: unknown option {', '.join(unknown)}; use {', '.join(allowed)}")
    try:
        kwargs = {k: float(v) if k in ("weight", "smoothing", "holdout") else str(v) for k, v in fields.items()}
    except ValueError as exc:
        raise DatasetError(f"dataset {text!r}: {exc}") from exc
    source = Source(Path(path), **kwargs)
    if source.weight <= 0 or not 0 <= source.holdout < 1 or not 0 <= source.smoothing < 1:
        raise DatasetError(f"dataset {text!r}: weight must be > 0, holdout and smoothing in [0, 1)")
    if source.labels not in ("auto", *LABEL_SETS):
        raise DatasetError(f"dataset {text!r}: labels must be auto, {' or '.join(LABEL_SETS)}")
    return source


def holdout_split(y: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out) with ``fraction`` of every class held out, seeded."""
    rng = np.random.default_rng(seed)
    held: list[np.ndarray] = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        held.append(idx[: int(round(fraction * len(idx)))])
    out = np.sort(np.concatenate(held)) if held else np.zeros(0, np.int64)
    keep = np.setdiff1d(np.arange(len(y)), out)
    return keep, out


def has_split(root: Path, split: str, fmt: str = "auto") -> bool:
    """True when the dataset has its own ``split`` (never the whole of a flat folder tree).

    FER2013 and RAF-DB always do; a folder dataset does when it has the split's folder
    (``val``/``validation``/``valid``, ``test``, ``train``) — except ``train``, which a flat
    tree of class folders is.
    """
    root = Path(root)
    fmt = detect_format(root) if fmt == "auto" else fmt
    if fmt in ("fer2013", "rafdb"):
        return True
    names = {"train": ("train", "training"), "val": ("val", "validation", "valid"), "test": ("test",)}
    split = normalize_split(split)
    if any((root / n).is_dir() for n in names[split]):
        return True
    return split == "train" and not any((root / n).is_dir() for ns in names.values() for n in ns)
