"""``emolab bench``: milliseconds per stage and frames per second for each model pair."""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

import cv2

from emolab.cli.common import settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time every available detector/classifier pair")
    p.add_argument(
        "--video",
        type=Path,
        default=None,
        help="a face video (default: the demo camera clip); frames are fed as fast as possible",
    )
    p.add_argument("--frames", type=int, default=60, help="frames to time per pair (default 60)")
    p.add_argument(
        "--extra", nargs="*", type=Path, default=[], help="more model files to include (e.g. reference ONNX models)"
    )
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--trust-pickle", action="store_true")
    p.set_defaults(func=run)


def _time_pair(pipeline, frames: list) -> dict[str, float]:  # noqa: ANN001
    pipeline.reset()
    pipeline.process(frames[0])  # warm-up: first calls allocate
    per_stage: dict[str, list[float]] = {}
    faces = 0
    t0 = time.perf_counter()
    for frame in frames:
        result = pipeline.process(frame)
        faces += len(result.faces)
        for k, v in result.timings_ms.items():
            per_stage.setdefault(k, []).append(v)
    wall = time.perf_counter() - t0
    out = {k: statistics.median(v) for k, v in per_stage.items()}
    out["fps"] = len(frames) / wall
    out["faces_per_frame"] = faces / len(frames)
    return out


def run(args: argparse.Namespace) -> int:
    from emolab.capture.sources import Frame, VideoFileSource
    from emolab.classification import _build, classifier_cards
    from emolab.detection import detector_cards
    from emolab.errors import EmolabError
    from emolab.modelcards import card_for_file
    from emolab.pipeline import Pipeline

    settings = settings_from_args(args)
    video = args.video
    if video is None:
        from emolab.demo import ensure_demo

        _, video = ensure_demo(Path.home() / "emolab-demo")
    with VideoFileSource(video) as src:
        frames = list(itertools.islice(src, args.frames))
    big = cv2.resize(frames[len(frames) // 2].image, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    big_frames = [
        Frame(image=big, index=i, timestamp_ms=i * 33.3, captured_at=time.monotonic())
        for i in range(min(20, args.frames))
    ]

    det_cards = [c for c in detector_cards(settings) if c.installed]
    clf_cards = [c for c in classifier_cards(settings) if c.installed]
    for path in args.extra:
        card = card_for_file(path, settings.models_dir)
        (det_cards if card.task == "detector" else clf_cards).append(card)

    h, w = frames[0].image.shape[:2]
    print(
        f"Benchmark: {len(frames)} frames of {video.name} ({w}x{h}) and {len(big_frames)} frames at 1920x1080; "
        f"torch threads {settings.torch_threads}; detect_max_side {settings.detect_max_side}"
    )
    header = (
        f"{'detector':<14} {'classifier':<18} {'input':<10} {'detect':>7} {'classify':>8} "
        f"{'track':>6} {'pose':>6} {'total':>7} {'fps':>6} {'faces':>5}"
    )
    print(header)
    print("-" * len(header))
    from emolab.detection import _backends

    backends = _backends()
    for dcard, ccard in itertools.product(det_cards, clf_cards):
        try:
            detector = backends[dcard.backend](
                dcard,
                threshold=settings.detect_threshold,
                min_face_px=settings.min_face_px,
                threads=settings.torch_threads,
            )
            classifier = _build(ccard, settings)
        except EmolabError as exc:
            print(f"{dcard.name:<14} {ccard.name:<18} skipped: {exc}")
            continue
        pipeline = Pipeline(detector, classifier, settings)
        for label, batch in ((f"{w}x{h}", frames), ("1920x1080", big_frames)):
            r = _time_pair(pipeline, batch)
            print(
                f"{dcard.name:<14} {ccard.name:<18} {label:<10} {r['detect']:7.1f} {r['classify']:8.1f} "
                f"{r['track']:6.2f} {r.get('pose', float('nan')):6.2f} {r['total']:7.1f} {r['fps']:6.1f} "
                f"{r['faces_per_frame']:5.2f}"
            )
    print(
        "(median milliseconds per frame per stage; pose = head pose and attention of every face; "
        "fps = frames / wall time, end to end)"
    )
    return 0
