#!/usr/bin/env python
"""Render emolab reports to PNG screenshots in headless Chromium (offline, fresh profile).

Usage:
    python scripts/render_reports.py REPORT.html [REPORT.html ...] --out DIR [--width 1200 --height 3000]
    python scripts/render_reports.py --demo --out DIR     # build sessions from ../shared first

``--demo`` makes real sessions with the engine (the bundled synthetic demo, and
../shared/data/videos/single_face.mp4 against DogDog8.mp4 at three offsets), builds their
reports and the study, and renders them. The demo report's screenshot is docs/report.png.
Install the browser with ``apt-get install chromium`` (Debian).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
log = logging.getLogger("render_reports")


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("render_reports: no chromium found; install it with 'apt-get install chromium'")


def screenshot(page: Path, png: Path, width: int, height: int, browser: str) -> Path:
    """Render ``page`` to ``png`` with a throw-away profile and no network features."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="emolab-chromium-") as profile:
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png.resolve()}",
            f"--window-size={width},{height}",
            page.resolve().as_uri(),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not png.is_file():
        sys.exit(f"render_reports: chromium failed on {page}:\n{result.stderr[-2000:]}")
    log.info("%s -> %s", page, png)
    return png


def demo_reports(out: Path) -> list[Path]:
    """Real sessions made by the engine, their reports and a study.

    - the bundled demo (the astronaut photograph watching the synthetic 4-scene ad), with
      calibration seconds, reported with ``--baseline``;
    - the shared smiling face against DogDog8 at three offsets, reported and aggregated.
    """
    sys.path.insert(0, str(REPO))
    from emolab.analysis import analyze_video
    from emolab.demo import make_demo_ad, make_demo_camera
    from emolab.pipeline import Pipeline
    from emolab.report import build_session_report, build_study_report
    from emolab.settings import Settings

    videos = SHARED / "data" / "videos"
    if not (videos / "DogDog8.mp4").is_file():
        sys.exit(f"render_reports: {videos} is missing; --demo needs ../shared")
    yunet = SHARED / "models" / "reference" / "face_detection_yunet_2023mar.onnx"
    settings = Settings(sessions_dir=out / "sessions", calibration_s=0.5)
    pipeline = Pipeline.from_settings(settings, detector=str(yunet) if yunet.is_file() else None)
    log.info("using %s", pipeline.describe())

    demo = out / "sessions" / "demo"
    if not (demo / "timeline.csv").is_file():
        ad = make_demo_ad(out / "ads" / "demo_ad.mp4", seconds=8.0)
        cam = make_demo_camera(out / "ads" / "demo_camera.mp4", seconds=9.0, fps=10.0, face_from_s=0.0)
        analyze_video(ad, cam, settings, out=demo, offset_s=1.0, respondent="demo-astronaut", pipeline=pipeline)
    reports = [build_session_report(demo, baseline=True)]

    sessions = []
    for i, offset in enumerate((1.0, -4.0, -9.0), start=1):
        folder = out / "sessions" / "dogdog8" / f"R{i:02d}"
        if not (folder / "timeline.csv").is_file():
            analyze_video(
                videos / "DogDog8.mp4",
                videos / "single_face.mp4",
                settings,
                out=folder,
                offset_s=offset,
                respondent=f"R{i:02d}",
                pipeline=pipeline,
            )
        sessions.append(folder)
    reports += [build_session_report(s) for s in sessions]
    reports.append(build_study_report([out / "sessions" / "dogdog8"], out / "study"))
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", type=Path, help="report or study HTML files")
    parser.add_argument("--out", type=Path, required=True, help="folder for the screenshots")
    parser.add_argument("--demo", action="store_true", help="build sessions and reports from ../shared first")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=3200)
    parser.add_argument(
        "--docs",
        action="store_true",
        help="with --demo: also save the top of the demo report as docs/report.png (README)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    demo = demo_reports(args.out) if args.demo else []
    pages = list(args.pages) + demo
    if not pages:
        parser.error("give report files or --demo")
    browser = find_chromium()
    for page in pages:
        name = f"{page.parent.name}_{page.stem}.png"
        screenshot(page, args.out / name, args.width, args.height, browser)
    if args.docs and args.demo:
        # The viewport is the screenshot: 1750 px shows the header, cards, curves, shares and metrics.
        screenshot(demo[0], REPO / "docs" / "report.png", 1200, 1750, browser)
    return 0


if __name__ == "__main__":
    sys.exit(main())
