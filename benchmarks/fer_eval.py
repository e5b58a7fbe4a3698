"""FER2013 benchmark of emolab's classifier: direct and face-detection paths, crop tuning, card update.

Steps (see ``benchmarks/fer_eval.sh``):

``detect``  run the engine's MTCNN once on each FER2013 image of a split placed in a frame
            (upscaled to 160 px, padded by half its side) and cache the boxes;
``tune``    choose the run-time crop margin and shift on the *validation* split (PublicTest)
            through the detection path, so that detector crops match FER2013's framing;
``final``   measure the selected model on the test split (PrivateTest) through both paths,
            time it, and write the figures into the model card.

Data-backed figures are benchmarks, not unit tests: this script prints them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from emolab.classification.fer_cnn import FerCnnClassifier
from emolab.detection.base import Detection
from emolab.modelcards import load_card
from emolab.training import datasets
from emolab.training.evaluate import (
    EvalResult,
    as_frame,
    framing_detection,
    metrics,
    save_confusion_png,
    write_json,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FER = SHARED / "data" / "fer2013"
CARD = REPO / "models" / "emolab_fer_cnn.json"


def load(split: str, card: Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images, labels and the mask of images kept for this split.

    When the card's training moved part of the validation split into training
    (``val_into_train``), only the held-out rest is validation data.
    """
    samples = datasets.list_samples(FER, split, "fer2013")
    x, y = datasets.load_images(samples, 48), np.array([s.label for s in samples])
    keep = np.ones(len(y), dtype=bool)
    if split == "val" and card is not None:
        training = json.loads(Path(card).read_text()).get("training", {})
        if training.get("val_into_train", 0) > 0:
            from emolab.training.train import moved_validation_mask

            keep = ~moved_validation_mask(y, training["val_into_train"], training.get("seed", 0))
    return x[keep], y[keep], keep


def cmd_detect(args: argparse.Namespace) -> None:
    from emolab.detection import create_detector
    from emolab.settings import Settings
    from emolab.training.evaluate import detect_faces

    x, _, _ = load(args.split)
    det = create_detector("mtcnn", Settings(torch_threads=args.threads))
    t0 = time.perf_counter()
    faces = detect_faces(x, det, args.upscale, args.pad)
    boxes = np.full((len(x), 5), np.nan, np.float32)
    lms = np.full((len(x), 5, 2), np.nan, np.float32)
    for i, f in enumerate(faces):
        if f is not None:
            boxes[i] = (*f.box, f.score)
            if f.landmarks is not None:
                lms[i] = f.landmarks
    out = Path(args.cache) / f"mtcnn_{args.split}_{args.upscale}_{args.pad}.npz"
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, boxes=boxes, landmarks=lms)
    found = ~np.isnan(boxes[:, 0])
    print(f"{args.split}: faces found in {found.mean():.1%} of {len(x)} images, "
          f"{1000 * (time.perf_counter() - t0) / len(x):.1f} ms per image -> {out}")


def fast_eval(
    clf: FerCnnClassifier, x: np.ndarray, y: np.ndarray, split: str,
    faces: list[Detection | None] | None = None, upscale: int = 160, pad: float = 0.5, time_n: int = 300,
) -> EvalResult:
    """Same crops as the engine (``clf.crops``), but the network runs in large batches.

    ``ms_per_face`` is still timed through the engine's per-frame ``predict`` on ``time_n`` frames.
    """
    import cv2

    frames, chosen, kept = [], [], []
    for i, gray in enumerate(x):
        if faces is None:
            frame = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
            face = framing_detection(frame, clf.card.input)
        else:
            face = faces[i]
            if face is None:
                continue
            frame = as_frame(gray, upscale, pad)
        frames.append(frame)
        chosen.append(face)
        kept.append(i)
    crops = np.stack([clf.crops(f, [d])[0] for f, d in zip(frames, chosen)])
    probs = np.concatenate([clf.predict_crops(crops[i : i + 512]) for i in range(0, len(crops), 512)])
    probs = probs[:, clf._order]  # card label order -> canonical, as EmotionClassifier.predict does
    times = []
    for f, d in list(zip(frames, chosen))[: time_n + 5 if time_n else 0]:
        t0 = time.perf_counter()
        clf.predict(f, [d])
        times.append(time.perf_counter() - t0)
    m = metrics(y[kept], probs.argmax(1))
    return EvalResult(
        classifier=clf.card.name, split=split, path="direct" if faces is None else "detect",
        n_images=len(x), n_faces=len(kept), ms_per_face=round(1000 * float(np.median(times[5:])), 3) if time_n else 0.0,
        detection_rate=round(len(kept) / len(x), 4), **m,
    )


def cached_faces(cache: Path, split: str, upscale: int, pad: float) -> list[Detection | None]:
    data = np.load(Path(cache) / f"mtcnn_{split}_{upscale}_{pad}.npz")
    out: list[Detection | None] = []
    for box, lm in zip(data["boxes"], data["landmarks"]):
        out.append(None if np.isnan(box[0]) else Detection(
            box=tuple(float(v) for v in box[:4]), score=float(box[4]),
            landmarks=None if np.isnan(lm[0, 0]) else lm))
    return out


def classifier_with(card_path: Path, **input_changes: object) -> FerCnnClassifier:
    card = load_card(card_path)
    card = dataclasses.replace(card, input={**card.input, **input_changes})
    return FerCnnClassifier(card, threads=2)


def cmd_tune(args: argparse.Namespace) -> None:
    x, y, keep = load("val", args.card)
    faces = [f for f, k in zip(cached_faces(args.cache, "val", args.upscale, args.pad), keep) if k]
    blur = args.blur[0]
    if len(args.blur) > 1:  # the test-time blur is a property of the crop: tune it on the direct path
        scores = []
        for b in args.blur:
            r = fast_eval(classifier_with(args.card, blur_sigma=b), x, y, "val", time_n=0)
            scores.append((r.accuracy, b))
            print(f"blur sigma {b}: val direct accuracy {r.accuracy:.4f}", flush=True)
        blur = max(scores)[1]
    results = []
    for margin in args.margins:
        for dx in args.shifts_x:
            for dy in args.shifts_y:
                clf = classifier_with(args.card, crop_margin=margin, crop_shift=[dx, dy], blur_sigma=blur)
                r = fast_eval(clf, x, y, "val", faces, args.upscale, args.pad, time_n=0)
                results.append((r.accuracy, -abs(margin), margin, dx, dy))
                print(f"margin {margin:+.2f} shift ({dx:+.3f}, {dy:+.3f}): "
                      f"val detect-path accuracy {r.accuracy:.4f}", flush=True)
    best = max(results)
    print(f"best on validation ({len(y)} images): blur {blur}, margin {best[2]:+.2f}, "
          f"shift ({best[3]:+.3f}, {best[4]:+.3f}), accuracy {best[0]:.4f}")
    if args.write:
        card = json.loads(Path(args.card).read_text())
        card["input"]["crop_margin"] = best[2]
        card["input"]["crop_shift"] = [best[3], best[4]]
        card["input"]["blur_sigma"] = blur
        _write(Path(args.card), card)


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def cmd_final(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clf = FerCnnClassifier(load_card(args.card), threads=2)
    report = {}
    for split in ("val", "test"):
        x, y, keep = load(split, args.card)
        direct = fast_eval(clf, x, y, split)
        faces = [f for f, k in zip(cached_faces(args.cache, split, args.upscale, args.pad), keep) if k]
        detect = fast_eval(clf, x, y, split, faces, args.upscale, args.pad)
        found = np.array([f is not None for f in faces])
        same = fast_eval(clf, x[found], y[found], split, time_n=0)  # direct path on the same images
        for name, r in (("direct", direct), ("detect", detect), ("direct_on_detected", same)):
            write_json(r, out / f"{split}_{name}.json")
            save_confusion_png(r, out / f"{split}_{name}.png")
            print(r.table(), "\n", flush=True)
        report[split] = {"direct": direct, "detect": detect, "same": same}
    t = report["test"]
    v = report["val"]
    card = json.loads(Path(args.card).read_text())
    m = card.setdefault("metrics", {})
    m.pop("status", None)
    m.update({
        "val_accuracy": round(v["direct"].accuracy, 4),
        "test_accuracy": round(t["direct"].accuracy, 4),
        "test_precision": t["direct"].precision,
        "test_recall": t["direct"].recall,
        "test_confusion": t["direct"].confusion,
        "detection_path": {
            "detector": "mtcnn (facenet-pytorch), FER image upscaled to "
                        f"{args.upscale} px and padded by {args.pad} of its side",
            "test_faces_found": round(t["detect"].detection_rate, 4),
            "test_accuracy": round(t["detect"].accuracy, 4),
            "test_accuracy_direct_same_images": round(t["same"].accuracy, 4),
            "val_accuracy": round(v["detect"].accuracy, 4),
            "val_accuracy_direct_same_images": round(v["same"].accuracy, 4),
        },
        "ms_per_face": t["direct"].ms_per_face,
        "ms_per_face_note": "median over 300 calls of predict() with one face (crop + mirror in one "
                            "batch), torch 2 threads, 2-core AVX-512 CPU shared with other work",
        "evaluated": time.strftime("%Y-%m-%d"),
    })
    _write(Path(args.card), card)
    print(json.dumps(m, indent=1))


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=("detect", "tune", "final"))
    p.add_argument("--split", default="val")
    p.add_argument("--card", type=Path, default=CARD)
    p.add_argument("--cache", type=Path, default=Path("/tmp/emolab_fer_eval"))
    p.add_argument("--out", type=Path, default=Path("/tmp/emolab_fer_eval/results"))
    p.add_argument("--upscale", type=int, default=160)
    p.add_argument("--pad", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--margins", type=float, nargs="+", default=[-0.15, -0.1, -0.05, 0.0, 0.05])
    p.add_argument("--shifts-x", type=float, nargs="+", default=[0.0])
    p.add_argument("--shifts-y", type=float, nargs="+", default=[0.0])
    p.add_argument("--blur", type=float, nargs="+", default=[0.0],
                   help="tune: test-time blur sigmas to try (direct path, validation split)")
    p.add_argument("--write", action="store_true", help="tune: store the best margin and shift in the card")
    args = p.parse_args()
    {"detect": cmd_detect, "tune": cmd_tune, "final": cmd_final}[args.step](args)


if __name__ == "__main__":
    main()
