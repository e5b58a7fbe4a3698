"""Offline analysis: a recorded reaction video against the ad it was filmed watching."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emolab.capture.sources import VideoFileSource
from emolab.errors import EmolabError
from emolab.media import probe_ad
from emolab.pipeline import Pipeline
from emolab.session.store import SessionWriter
from emolab.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]


def models_record(pipeline: Pipeline) -> dict[str, Any]:
    """What ``session.json`` says about the models a pipeline used."""
    det, clf = pipeline.choices
    return {
        "detector": {"name": det.name, "backend": det.backend, "reason": det.reason, "card": det.card},
        "classifier": {"name": clf.name, "backend": clf.backend, "reason": clf.reason, "card": clf.card},
    }


def analyze_video(
    ad: str | Path,
    reaction: str | Path,
    settings: Settings,
    out: str | Path | None = None,
    offset_s: float = 0.0,
    respondent: str | None = None,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Analyse ``reaction`` against ``ad`` and write a session folder.

    Reaction time ``t`` is ad time ``t - offset_s`` (a positive offset means the recording
    started before the ad). Returns the folder and its summary. If analysis fails midway,
    the session keeps every frame analysed so far and is marked ``failed``.
    """
    ad_info = probe_ad(ad)
    source = VideoFileSource(reaction, realtime=False)
    pipeline = pipeline or Pipeline.from_settings(settings)
    pipeline.reset()
    respondent = respondent or Path(reaction).stem
    writer = SessionWriter.create(
        settings.sessions_dir,
        respondent=respondent,
        ad=ad_info,
        source={
            "kind": "video",
            "file": Path(reaction).name,
            "path": str(Path(reaction).resolve()),
            "fps": source.fps,
            "frame_count": source.frame_count,
            "offset_s": offset_s,
        },
        models=models_record(pipeline),
        settings=settings.to_dict(),
        calibration_s=settings.calibration_s,
        folder=Path(out) if out else None,
        extra={"mode": "offline"},
    )
    log.info("analysing %s against %s into %s with %s", reaction, ad, writer.folder, pipeline.describe())
    offset_ms = offset_s * 1000.0
    try:
        with source:
            for frame in source:
                ad_ms = frame.timestamp_ms - offset_ms
                result = pipeline.process(frame, calibrating=writer.phase(ad_ms) == "calibration")
                writer.write(result, ad_ms)
                if progress is not None:
                    progress(writer.frames, source.frame_count)
    except (EmolabError, KeyboardInterrupt) as exc:
        writer.close(status="failed", reason=str(exc) or type(exc).__name__)
        raise
    summary = writer.close(status="complete", reason="end of reaction video")
    return writer.folder, summary
