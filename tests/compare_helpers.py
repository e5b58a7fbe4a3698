"""Studies for the comparison and norms tests: real sessions, multiplied into synthetic panels.

One real session is analysed by the engine (the astronaut photograph filmed watching the
generated 4-scene ad); :func:`emolab.session.synthetic.synthetic_panel` loops its frames into
as many respondents as a test needs, optionally with a known effect, and ``emolab aggregate``
builds each study as a user would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emolab.analysis import analyze_video
from emolab.demo import make_demo_ad, make_demo_camera
from emolab.media import probe_ad
from emolab.report.study import build_study_report
from emolab.session.synthetic import Effect, synthetic_panel
from emolab.settings import Settings
from tests.conftest import make_pipeline, read_frames, write_video

AD_SECONDS = 8.0
AD_FPS = 25.0


def real_session(work: Path) -> Path:
    """One real session: the astronaut (a real face) watching the 8 s demo ad."""
    ad = make_demo_ad(work / "ads" / "cut_a.mp4", seconds=AD_SECONDS, fps=AD_FPS)
    cam = make_demo_camera(work / "ads" / "camera.mp4", seconds=AD_SECONDS + 0.5, fps=10.0, face_from_s=0.0)
    settings = Settings(sessions_dir=work)
    folder, _ = analyze_video(
        ad, cam, settings, out=work / "real" / "R", respondent="astronaut", pipeline=make_pipeline(settings)
    )
    return folder


def recut(ad: Path, out: Path, order: list[int], scenes: int = 4) -> Path:
    """Another cut of ``ad``: its equal-length scenes in ``order`` (0-based; leave some out to shorten it)."""
    frames = read_frames(ad)
    per = len(frames) // scenes
    blocks = [frames[i * per : (i + 1) * per] for i in range(scenes)]
    return write_video(out, [f for i in order for f in blocks[i]], AD_FPS)


def make_study(
    root: Path,
    name: str,
    source: Path,
    ad: Path,
    respondents: int,
    seed: int,
    effect: Effect | None = None,
) -> Path:
    """A study folder ``root/name`` (``sessions/`` plus the study report), of synthetic respondents."""
    folder = root / name
    synthetic_panel(
        [source],
        probe_ad(ad).to_dict(),
        folder / "sessions",
        respondents,
        seed=seed,
        effect=effect,
        prefix=f"{name}-",
        mood=0.6,  # the astronaut is happy throughout: respondents lean their own way
    )
    build_study_report([folder / "sessions"], folder, norms_db=root / "no-norms.sqlite")
    return folder


def per_respondent_seconds(study: Path, series: str = "group_positive") -> np.ndarray:
    """(respondents, seconds) of ``series`` recomputed from the timelines' CSV text alone."""
    import csv
    import json

    from emolab.emotions import EMOTIONS, GROUP_OF

    out = []
    for folder in sorted((study / "sessions").iterdir()):
        duration_s = json.loads((folder / "session.json").read_text())["ad"]["duration_ms"] / 1000.0
        n_sec = int(np.ceil(duration_s - 1e-9))
        with open(folder / "timeline.csv", newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["phase"] == "ad" and r["viewer_id"] != ""]
        values = np.full(n_sec, np.nan)
        for s in range(n_sec):
            sel = [r for r in rows if min(int(float(r["ad_ms"]) // 1000), n_sec - 1) == s]
            if not sel:
                continue
            p = np.array([[float(r[f"s_{e}"]) for e in EMOTIONS] for r in sel]).mean(axis=0)
            group = series.removeprefix("group_")
            values[s] = sum(p[i] for i, e in enumerate(EMOTIONS) if GROUP_OF[e] == group)
        out.append(values)
    return np.array(out)
