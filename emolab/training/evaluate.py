"""Measure any emotion classifier of the engine on a labelled dataset.

Two paths:

* ``direct`` — the dataset images are already face crops (FER2013, RAF-DB aligned): each
  image is one face, framed the way the classifier's card says its training crops were;
* ``detect`` — the run-time path: the image is upscaled and padded like a face in a frame,
  a face detector finds the face, and the classifier crops the detector's box itself.

The gap between the two tells whether a classifier's crop matches what it was trained on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolab.classification.base import EmotionClassifier
from emolab.classification.preprocess import landmarks_from_box, whole_image_detection
from emolab.detection.base import Detection, FaceDetector
from emolab.emotions import EMOTIONS
from emolab.errors import DatasetError
from emolab.training import datasets
from emolab.training.calibration import expected_calibration_error

log = logging.getLogger(__name__)


@dataclass
class EvalResult:
    """Metrics of one classifier on one split (``labels`` in canonical order)."""

    classifier: str
    split: str
    path: str
    n_images: int
    n_faces: int
    accuracy: float
    #: Mean of the per-class recalls over the classes present: every emotion counts the same,
    #: however rare (SFEW's 23 disgust faces weigh as much as its 82 neutral ones).
    macro_recall: float
    precision: dict[str, float]
    recall: dict[str, float]
    support: dict[str, int]
    confusion: list[list[int]]
    ms_per_face: float
    detection_rate: float = 1.0
    #: Expected calibration error of the probabilities (15 bins; see emolab.training.calibration).
    ece: float = float("nan")
    #: Which dataset (a name for tables; the folder name by default).
    dataset: str = ""
    labels: tuple[str, ...] = EMOTIONS
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["labels"] = list(self.labels)
        out["ece"] = None if np.isnan(self.ece) else self.ece  # JSON has no NaN
        return out

    def table(self) -> str:
        """A plain-text report: accuracy, per-class precision/recall and the confusion matrix."""
        lines = [
            f"classifier {self.classifier} on {self.dataset + ' ' if self.dataset else ''}{self.split} "
            f"({self.path} path): accuracy {self.accuracy:.4f}, macro recall {self.macro_recall:.4f} "
            f"over {self.n_faces} faces"
            + (
                f" (faces found in {self.detection_rate:.1%} of {self.n_images} images)"
                if self.path == "detect"
                else ""
            ),
            f"{self.ms_per_face:.2f} ms per face, expected calibration error {self.ece:.3f}",
            f"{'class':<10}{'precision':>10}{'recall':>10}{'support':>9}",
        ]
        for name in self.labels:
            lines.append(f"{name:<10}{self.precision[name]:>10.4f}{self.recall[name]:>10.4f}{self.support[name]:>9d}")
        lines.append("confusion (rows = true, columns = predicted): " + " ".join(n[:4] for n in self.labels))
        for name, row in zip(self.labels, self.confusion):
            lines.append(f"{name:<10}" + "".join(f"{v:>6d}" for v in row))
        return "\n".join(lines)


def metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = len(EMOTIONS)) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/support and the confusion matrix."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(cm.sum(0) > 0, tp / cm.sum(0), 0.0)
        recall = np.where(cm.sum(1) > 0, tp / cm.sum(1), 0.0)
    names = EMOTIONS[:n_classes]
    present = cm.sum(1) > 0
    return {
        "accuracy": float(tp.sum() / max(1, len(y_true))),
        "macro_recall": round(float(recall[present].mean()), 4) if present.any() else 0.0,
        "precision": {n: round(float(p), 4) for n, p in zip(names, precision)},
        "recall": {n: round(float(r), 4) for n, r in zip(names, recall)},
        "support": {n: int(s) for n, s in zip(names, cm.sum(1))},
        "confusion": cm.tolist(),
    }


def save_confusion_png(result: EvalResult, path: Path) -> None:
    """Draw the row-normalised confusion matrix with counts (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(result.confusion, dtype=np.float64)
    rows = cm.sum(1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(result.labels))
    ax.set_xticks(ticks, result.labels, rotation=45, ha="right")
    ax.set_yticks(ticks, result.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in ticks:
        for j in ticks:
            ax.text(
                j,
                i,
                f"{int(cm[i, j])}\n{norm[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if norm[i, j] > 0.5 else "black",
            )
    ax.set_title(f"{result.classifier}, {result.split} ({result.path}): acc {result.accuracy:.1%}", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def framing_detection(image: np.ndarray, card_input: dict[str, Any]) -> Detection:
    """The face box that makes a classifier crop ``image`` the way it was trained.

    A dataset image is itself a face crop. An emolab-trained card says which central
    fraction of such an image the net sees (``crop_fraction``) and how a detector's box is
    grown (``crop_margin``) and shifted (``crop_shift``): invert those so the crop is exactly
    that central fraction. Other classifiers get the whole image as the face box.
    """
    if "crop_fraction" not in card_input:
        return whole_image_detection(image)
    h, w = image.shape[:2]
    side = min(h, w) * float(card_input["crop_fraction"]) / (1.0 + float(card_input.get("crop_margin", 0.0)))
    dx, dy = (float(v) for v in card_input.get("crop_shift", (0.0, 0.0)))
    cx, cy = w / 2 - dx * side, h / 2 - dy * side
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    return Detection(box=box, score=1.0, landmarks=landmarks_from_box(box))


def as_frame(gray: np.ndarray, upscale: int = 160, pad: float = 0.5) -> np.ndarray:
    """A dataset face placed in a frame: upscaled to ``upscale`` px, padded by ``pad`` of its side.

    The padding is the image's mean grey, so a detector sees a face on a plain background
    rather than a face that fills the whole frame (which detectors tend to miss).
    """
    up = cv2.resize(gray, (upscale, upscale), interpolation=cv2.INTER_LINEAR)
    border = int(round(upscale * pad))
    up = cv2.copyMakeBorder(up, border, border, border, border, cv2.BORDER_CONSTANT, value=int(gray.mean()))
    return cv2.cvtColor(up, cv2.COLOR_GRAY2BGR)


def detect_faces(
    images: np.ndarray, detector: FaceDetector, upscale: int = 160, pad: float = 0.5
) -> list[Detection | None]:
    """The most confident face the detector finds in each image placed in a frame (or None)."""
    out: list[Detection | None] = []
    for gray in images:
        faces = detector.detect(as_frame(gray, upscale, pad))
        out.append(faces[0] if faces else None)
    return out


def framed_faces(
    images: np.ndarray,
    card_input: dict[str, Any],
    faces: Sequence[Detection | None] | None = None,
    upscale: int = 160,
    pad: float = 0.5,
) -> Iterator[tuple[int, np.ndarray, Detection]]:
    """Per dataset image with a face: its index, the BGR frame a classifier sees, and the face in it.

    Without ``faces`` (the direct path) the frame is the image itself and the face box frames it
    as the classifier's card says (:func:`framing_detection`); with ``faces`` (the detection path)
    the frame is the image placed in a frame (:func:`as_frame`) and the face is the detector's;
    images where it found none are skipped.
    """
    for i, gray in enumerate(images):
        if faces is None:
            frame = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
            yield i, frame, framing_detection(frame, card_input)
        elif (face := faces[i]) is not None:
            yield i, as_frame(gray, upscale, pad), face


def evaluate_arrays(
    classifier: EmotionClassifier,
    images: np.ndarray,
    labels: np.ndarray,
    split: str = "test",
    faces: Sequence[Detection | None] | None = None,
    upscale: int = 160,
    pad: float = 0.5,
) -> EvalResult:
    """Classify every image (one face each) and score it.

    Args:
        classifier: any engine backend.
        images: gray uint8 (n, h, w) dataset faces.
        labels: canonical label indices (n,).
        split: name for the report.
        faces: per image, a detector's face in :func:`as_frame` coordinates, or None when
            the detector found none (the image is then left out and counted as a miss).
            Without ``faces`` the direct path is measured.
        upscale: side the image was upscaled to for detection (see :func:`as_frame`).
        pad: border added around it, as a fraction of its side.
    """
    probs_all, kept, times = [], [], []
    card_input = dict(classifier.card.input) if getattr(classifier, "card", None) else {}
    for i, frame, face in framed_faces(images, card_input, faces, upscale, pad):
        t0 = time.perf_counter()
        probs = classifier.predict(frame, [face])
        times.append(time.perf_counter() - t0)
        probs_all.append(probs[0])  # predict() returns canonical order
        kept.append(i)
    if not kept:
        raise DatasetError("no face was found in any image; cannot measure the detection path")
    y_true = np.asarray(labels)[kept]
    probs_arr = np.asarray(probs_all)
    m = metrics(y_true, probs_arr.argmax(1))
    warm = times[min(5, len(times) - 1) :]  # the first calls pay one-off allocation costs
    return EvalResult(
        classifier=classifier.card.name if getattr(classifier, "card", None) else type(classifier).__name__,
        split=split,
        path="direct" if faces is None else "detect",
        n_images=len(images),
        n_faces=len(kept),
        ms_per_face=round(1000 * float(np.mean(warm)), 3),
        detection_rate=round(len(kept) / max(1, len(images)), 4),
        ece=round(expected_calibration_error(probs_arr, y_true), 4),
        **m,
    )


def evaluate_dataset(
    data: Path,
    split: str,
    classifier: EmotionClassifier,
    fmt: str = "auto",
    detector: FaceDetector | None = None,
    limit: int = 0,
    upscale: int = 160,
    pad: float = 0.5,
    seed: int = 0,
    labels: str = "fer2013",
    name: str = "",
) -> EvalResult:
    """Evaluate ``classifier`` on ``split`` of the dataset at ``data``.

    Args:
        data: dataset folder.
        split: train, val or test (FER2013: val = PublicTest, test = PrivateTest).
        classifier: any engine backend.
        fmt: dataset layout (auto, folders, fer2013, rafdb).
        detector: measure the detection path with this detector instead of the direct path.
        limit: evaluate a seeded random subset of this many images (0 = all).
        upscale: side a dataset image is upscaled to before detection.
        pad: border around it, as a fraction of its side.
        seed: seed of the ``limit`` subset.
        labels: ``fer2013`` (the dataset's labels) or ``ferplus`` (the FER+ crowd majority; images
            without one are left out, see :func:`emolab.training.datasets.ferplus_majority`).
        name: the dataset's name in tables (default: its folder name).

    Raises:
        DatasetError: for a missing or malformed dataset.
    """
    samples = [s for s in datasets.list_samples(Path(data), split, fmt, labels) if s.label >= 0]
    if limit and limit < len(samples):
        keep = np.sort(np.random.default_rng(seed).permutation(len(samples))[:limit])
        samples = [samples[i] for i in keep]
    images = datasets.load_images(samples, size=_native_size(samples[0].path))
    y = np.array([s.label for s in samples], dtype=np.int64)
    faces = detect_faces(images, detector, upscale, pad) if detector is not None else None
    result = evaluate_arrays(classifier, images, y, datasets.normalize_split(split), faces, upscale, pad)
    result.dataset = name or Path(data).name
    result.extra["data"] = str(data)
    result.extra["labels"] = labels
    if detector is not None:
        result.extra.update({"detector": detector.card.name, "upscale": upscale, "pad": pad})
    return result


def _native_size(path: Path) -> int:
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise DatasetError(f"cannot decode image {path}; delete or replace it")
    return int(min(img.shape[:2]))  # the central square, at its own resolution (see datasets.square)


def write_json(result: EvalResult, path: Path) -> None:
    """Write the result as JSON (the confusion matrix's rows are the true labels)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")


def cross_domain_table(results: Sequence[EvalResult]) -> str:
    """One line per dataset: images, faces, accuracy, macro recall, ECE, ms per face, per-class recall."""
    head = (
        f"{'dataset':<22}{'split':<6}{'path':<7}{'images':>7}{'faces':>7}{'acc':>7}{'macro':>7}{'ECE':>7}"
        f"{'ms':>6}  " + " ".join(f"{n[:5]:>5}" for n in EMOTIONS)
    )
    lines = [head, "-" * len(head)]
    for r in results:
        recall = " ".join(f"{r.recall[n]:>5.2f}" if r.support[n] else f"{'-':>5}" for n in EMOTIONS)
        lines.append(
            f"{(r.dataset or '?')[:21]:<22}{r.split:<6}{r.path:<7}{r.n_images:>7d}{r.n_faces:>7d}"
            f"{r.accuracy:>7.1%}{r.macro_recall:>7.1%}{r.ece:>7.3f}{r.ms_per_face:>6.2f}  {recall}"
        )
    lines.append(
        "acc: accuracy; macro: mean per-class recall; ECE: expected calibration error; ms: per face, one thread"
    )
    return "\n".join(lines)


def write_results_json(results: Sequence[EvalResult], classifier: str, path: Path) -> None:
    """``{"classifier", "results": [one EvalResult per dataset]}`` (what ``emolab evaluate --json`` writes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"classifier": classifier, "results": [r.to_dict() for r in results]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
