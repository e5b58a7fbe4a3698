"""``emolab bench``: today's pipeline against emolab 0.1's, side by side, on the same frames.

Both run in one process, one after the other, on the same decoded frames, so the ratio is
measured in one machine state. "0.1" is emolab 0.1's engine: facenet-pytorch's MTCNN and the
classifier in eager PyTorch, full detection on every frame. "now" is the default engine:
ONNX Runtime, faces followed between detections. ``--pairs`` times every installed
detector/classifier pair instead.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emolab.cli.common import settings_from_args

#: The camera rate the live-equivalent figures assume.
CAMERA_FPS = 30.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time the pipeline (ms per stage, fps): emolab 0.1's engine against today's",
        description="Time the pipeline on a face video: emolab 0.1's engine and today's side by side, on the "
        "video and on a 1280x720 2x2 mosaic of it (four faces). Frames are fed as fast as possible.",
    )
    p.add_argument(
        "--video",
        type=Path,
        default=None,
        help="a face video (default: the demo camera clip)",
    )
    p.add_argument("--frames", type=int, default=150, help="frames to time per configuration (default 150)")
    p.add_argument("--no-mosaic", action="store_true", help="skip the four-face mosaic")
    p.add_argument("--pairs", action="store_true", help="time every installed detector/classifier pair instead")
    p.add_argument(
        "--extra", nargs="*", type=Path, default=[], help="with --pairs: more model files (e.g. reference ONNX models)"
    )
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--trust-pickle", action="store_true")
    p.set_defaults(func=run)


@dataclass
class Timing:
    stages: dict[str, float]  # mean ms per frame of each stage
    fps: float  # frames / wall time, end to end
    faces_per_frame: float
    face_found_share: list[float]  # per expected face slot (mosaic quadrant): share of frames with a face there
    viewer_ids: int  # distinct viewer ids seen (stable ids: as many as faces)
    full_detection_share: float


def time_pipeline(pipeline, frames: list, quadrants: int = 1) -> Timing:  # noqa: ANN001
    """Run ``frames`` through ``pipeline`` (after one warm-up frame) and collect what it did."""
    pipeline.reset()
    pipeline.process(frames[0])  # warm-up: first calls allocate
    pipeline.reset()
    per_stage: dict[str, list[float]] = {}
    faces = full = 0
    found = np.zeros(quadrants)
    ids: set[int] = set()
    t0 = time.perf_counter()
    for frame in frames:
        result = pipeline.process(frame)
        faces += len(result.faces)
        full += result.full_detection
        ids.update(f.viewer_id for f in result.faces)
        for k, v in result.timings_ms.items():
            per_stage.setdefault(k, []).append(v)
        if result.faces:
            found += _quadrants_hit(result, quadrants)
    wall = time.perf_counter() - t0
    n = len(frames)
    return Timing(
        stages={k: statistics.fmean(v) for k, v in per_stage.items()},
        fps=n / wall,
        faces_per_frame=faces / n,
        face_found_share=(found / n).tolist(),
        viewer_ids=len(ids),
        full_detection_share=full / n,
    )


def _quadrants_hit(result, quadrants: int) -> np.ndarray:  # noqa: ANN001
    if quadrants == 1:
        return np.ones(1)
    w, h = result.frame_size
    hit = np.zeros(4)
    for f in result.faces:
        cx, cy = (f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2
        hit[int(cy >= h / 2) * 2 + int(cx >= w / 2)] = 1
    return hit


def mosaic_frames(frames: list, size: tuple[int, int] = (1280, 720)) -> list:
    """2x2 mosaics of consecutive frames (four faces), at ``size``, with the frames' timestamps."""
    from emolab.capture.sources import Frame

    w, h = size
    out = []
    for i, frame in enumerate(frames):
        tile = cv2.resize(frame.image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        # Each quadrant shows a different moment of the clip, so four faces move independently.
        tiles = [tile] + [
            cv2.resize(frames[(i + k * 7) % len(frames)].image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            for k in (1, 2, 3)
        ]
        image = np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])
        out.append(
            Frame(image=image, index=frame.index, timestamp_ms=frame.timestamp_ms, captured_at=frame.captured_at)
        )
    return out


def legacy_pipeline(settings):  # noqa: ANN001, ANN201
    """Emolab 0.1's engine on today's weights: facenet-pytorch MTCNN and eager PyTorch, detection every frame."""
    from emolab.classification import build_classifier, select_classifier_card
    from emolab.detection import create_detector
    from emolab.errors import ModelError
    from emolab.pipeline import Pipeline
    from emolab.runtime import require_packages

    require_packages(
        "'emolab bench' (its comparison with emolab 0.1; --pairs times the usable models)", "torch", "facenet_pytorch"
    )
    old = settings.replace(redetect_s=0.0)
    card, _ = select_classifier_card("auto", settings)
    names = [card.file or "", *card.extra.get("alternate_files", [])]
    torch_file = next((n for n in names if n.endswith(".pt")), None)
    if card.backend != "emolab-cnn" or torch_file is None or card.card_path is None:
        raise ModelError(
            f"bench compares with emolab 0.1's PyTorch engine, but the default classifier {card.name} has no "
            "PyTorch weights (.pt) beside its card; use `emolab bench --pairs` instead"
        )
    classifier = build_classifier(card.with_weights(card.card_path.parent / torch_file), old)
    return Pipeline(create_detector("mtcnn-torch", old), classifier, old)


def _row(name: str, r: Timing) -> str:
    s = r.stages
    found = min(r.face_found_share) if r.face_found_share else 0.0
    return (
        f"{name:<24} {s.get('detect', 0):7.1f} {s.get('classify', 0):8.1f} {s.get('track', 0):6.2f} "
        f"{s.get('pose', float('nan')):6.2f} {s.get('total', 0):7.1f} {r.fps:6.1f} {r.faces_per_frame:5.2f} "
        f"{found:6.1%} {r.viewer_ids:4d} "
        f"{r.full_detection_share:6.1%}"
    )


def _live(name: str, r: Timing) -> str:
    processed = min(CAMERA_FPS, r.fps)
    dropped = max(0.0, 1.0 - r.fps / CAMERA_FPS)
    return f"  {name}: a {CAMERA_FPS:.0f} fps camera -> {processed:.1f} processed fps, {dropped:.0%} of frames dropped"


def run(args: argparse.Namespace) -> int:
    from emolab.capture.sources import VideoFileSource
    from emolab.pipeline import Pipeline

    settings = settings_from_args(args)
    video = args.video
    if video is None:
        from emolab.demo import ensure_demo

        _, video = ensure_demo(Path.home() / "emolab-demo")
    with VideoFileSource(video, loop=True) as src:
        frames = list(itertools.islice(src, args.frames))
    if args.pairs:
        return _pairs(args, settings, frames)

    h, w = frames[0].image.shape[:2]
    print(
        f"Benchmark: {len(frames)} frames of {Path(video).name} ({w}x{h}); model threads {settings.model_threads}; "
        f"detect_max_side {settings.detect_max_side}; re-detection every {settings.redetect_s:g} s"
    )
    header = (
        f"{'pipeline':<24} {'detect':>7} {'classify':>8} {'track':>6} {'pose':>6} {'total':>7} {'fps':>6} "
        f"{'faces':>5} {'found':>6} {'ids':>4} {'full':>6}"
    )
    inputs = [(f"{w}x{h}", frames, 1)]
    if not args.no_mosaic:
        inputs.append(("1280x720 2x2 mosaic", mosaic_frames(frames), 4))
    pipelines = [("0.1 (torch, detect all)", legacy_pipeline(settings)), ("now", Pipeline.from_settings(settings))]
    for label, batch, quadrants in inputs:
        print(f"\n{label}")
        print(header)
        print("-" * len(header))
        results = []
        for name, pipeline in pipelines:
            results.append(time_pipeline(pipeline, batch, quadrants))
            print(_row(name, results[-1]))
        old, new = results
        print(f"speed-up: {new.fps / old.fps:.1f}x fps, {old.stages['total'] / new.stages['total']:.1f}x ms per frame")
        for (name, _), r in zip(pipelines, results):
            print(_live(name, r))
    print(
        "\n(mean ms per frame per stage; pose = head pose and attention of every face; fps = frames / wall time; "
        "faces = faces per frame; found = share of "
        "frames with a face, the worst mosaic quadrant; ids = distinct viewer ids; full = share of frames "
        "with a full detection)"
    )
    return 0


def _pairs(args: argparse.Namespace, settings, frames: list) -> int:  # noqa: ANN001
    from emolab.capture.sources import Frame
    from emolab.classification import build_classifier, classifier_cards
    from emolab.detection import build_detector, detector_cards
    from emolab.errors import EmolabError
    from emolab.modelcards import card_for_file
    from emolab.pipeline import Pipeline

    big = cv2.resize(frames[len(frames) // 2].image, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    big_frames = [
        Frame(image=big, index=i, timestamp_ms=i * 33.3, captured_at=time.monotonic())
        for i in range(min(20, len(frames)))
    ]
    det_cards = [c for c in detector_cards(settings) if c.installed]
    clf_cards = [c for c in classifier_cards(settings) if c.installed]
    for path in args.extra:
        card = card_for_file(path, settings.models_dir)
        (det_cards if card.task == "detector" else clf_cards).append(card)
    h, w = frames[0].image.shape[:2]
    header = (
        f"{'detector':<14} {'classifier':<18} {'input':<10} {'detect':>7} {'classify':>8} {'pose':>6} "
        f"{'total':>7} {'fps':>6}"
    )
    print(header)
    print("-" * len(header))
    # Built once each: detectors and classifiers hold no per-stream state (the Pipeline does).
    detectors: list = []
    classifiers: list = []
    for cards, build, models in ((det_cards, build_detector, detectors), (clf_cards, build_classifier, classifiers)):
        for card in cards:
            try:
                models.append((card, build(card, settings)))
            except EmolabError as exc:
                print(f"{card.name} skipped: {exc}")
    for (dcard, detector), (ccard, classifier) in itertools.product(detectors, classifiers):
        pipeline = Pipeline(detector, classifier, settings)
        for label, batch in ((f"{w}x{h}", frames), ("1920x1080", big_frames)):
            r = time_pipeline(pipeline, batch)
            print(
                f"{dcard.name:<14} {ccard.name:<18} {label:<10} {r.stages['detect']:7.1f} "
                f"{r.stages['classify']:8.1f} {r.stages.get('pose', float('nan')):6.2f} {r.stages['total']:7.1f} "
                f"{r.fps:6.1f}"
            )
    print("(mean ms per frame per stage; pose = head pose and attention of every face; fps = frames / wall time)")
    return 0
