"""Issue 9's speed figures, measured end to end on this machine.

1. ``emolab bench``: emolab 0.1's engine against today's, on a face video and a four-face mosaic.
2. Offline: ``emolab analyze`` on a 20 s, 24 fps, 640x360 reaction video (``single_face.mp4``
   looped and resampled), wall time of the whole command, model loading included.
3. Live: a 10 s kiosk screening, the Big Buck Bunny ad playing, ``single_face.mp4`` standing in
   for a 30 fps camera (offscreen Qt); its ``summary.json`` gives processed fps, dropped frames
   and latency.
4. Same results: the smile of ``single_face.mp4`` (frames labelled happy) with today's engine
   and with 0.1's engine (full detection every frame, PyTorch).

Run from the repository root with the project's environment active (``../shared`` beside it):
``python benchmarks/speed.py [--skip-bench]``. It prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "data" / "videos"


def reaction_video(path: Path, seconds: float = 20.0, fps: float = 24.0) -> Path:
    """``single_face.mp4`` looped to ``seconds`` and resampled to ``fps`` (a 640x360 reaction video)."""
    cap = cv2.VideoCapture(str(VIDEOS / "single_face.mp4"))
    src_fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(int(seconds * fps)):
        # Play forwards then backwards so the loop has no jump: a respondent does not teleport.
        k = int(i * src_fps / fps) % (2 * len(frames) - 2)
        out.write(frames[k if k < len(frames) else 2 * len(frames) - 2 - k])
    out.release()
    return path


def emolab(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "emolab", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"emolab {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, proc.stdout + proc.stderr


def happy_frames(folder: Path) -> list[int]:
    from emolab.session import load_session

    tl = load_session(folder).timeline
    return sorted(int(f) for f in tl.frame_index[(tl.viewer_id >= 0) & (tl.label == "happy")])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-bench", action="store_true")
    p.add_argument("--live-seconds", type=float, default=10.0)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="emolab-speed-"))
    ad = VIDEOS / "big_buck_bunny.mp4"

    if not args.skip_bench:
        print("== 1. emolab bench (150 frames of single_face.mp4, looped) ==", flush=True)
        print(emolab("bench", "--video", str(VIDEOS / "single_face.mp4"), "--frames", "150")[1], flush=True)

    print("== 2. offline: emolab analyze, 20 s 24 fps 640x360 reaction ==", flush=True)
    reaction = reaction_video(work / "reaction20s.mp4")
    out = work / "offline"
    wall, _ = emolab("analyze", "--ad", str(ad), "--reaction", str(reaction), "--out", str(out), "--no-progress")
    summary = json.loads((out / "summary.json").read_text())
    print(
        f"wall {wall:.2f} s for 20.0 s of video: {20.0 / wall:.2f}x real time "
        f"({summary['frames_total']} frames, face ratio {summary['face_ratio']:.3f})",
        flush=True,
    )

    print(f"\n== 3. live: {args.live_seconds:g} s kiosk screening, Big Buck Bunny playing, 30 fps camera stand-in ==")
    emolab(
        "gui", "--ad", str(ad), "--camera", str(VIDEOS / "single_face.mp4"), "--respondent", "speed",
        "--autostart", "--stop-after", f"{args.live_seconds:g}", "--sessions-dir", str(work / "live"),
        env={"QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    live = next((work / "live").iterdir())
    s = json.loads((live / "summary.json").read_text())
    delivered = s["frames_total"] + s["dropped_frames"]
    print(
        f"processed {s['processed_fps']:.1f} fps, dropped {s['dropped_frames']} of {delivered} camera frames "
        f"({s['dropped_frames'] / max(delivered, 1):.1%}), median capture->result latency "
        f"{s['latency_ms_median']:.0f} ms, face ratio {s['face_ratio']:.3f}",
        flush=True,
    )

    print("\n== 4. the smile in single_face.mp4: today's engine and 0.1's ==")
    video = VIDEOS / "single_face.mp4"
    emolab("analyze", "--ad", str(video), "--reaction", str(video), "--out", str(work / "now"), "--no-progress")
    emolab(
        "analyze", "--ad", str(video), "--reaction", str(video), "--out", str(work / "old"), "--no-progress",
        "--detector", "mtcnn-torch", "--classifier", str(REPO / "models" / "emolab_fer_cnn.pt"),
        env={"EMOLAB_REDETECT_S": "0"},
    )  # fmt: skip
    now, old = happy_frames(work / "now"), happy_frames(work / "old")
    print(f"happy frames, today: {now}\nhappy frames, 0.1:   {old}\nsame frames: {now == old}")
    print(f"\n(work files in {work})")


if __name__ == "__main__":
    main()
