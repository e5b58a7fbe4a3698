"""Offline analysis: a recorded reaction video against the ad it was filmed watching.

The offset rule: ``offset_s`` is how many seconds the recording started before the ad, so
reaction second ``t`` is ad second ``t - offset_s`` (the recording started 2 s before the ad:
``offset_s = 2``; reaction second 5 is ad second 3).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolab.adclock import RecordingClock
from emolab.capture.prefetch import Prefetcher
from emolab.capture.sources import VideoFileSource
from emolab.errors import EmolabError, InputError
from emolab.media import AdInfo, grab_frames, probe_ad
from emolab.pipeline import Pipeline
from emolab.session.quality import SWAP_REACTION_FACE_RATIO
from emolab.session.store import SessionWriter
from emolab.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]

#: Frames sampled evenly from the ad to see whether it shows faces (for the warning that the ad
#: and the reaction may be swapped). Eight cost well under a second and tell "faces throughout"
#: from "a face now and then".
AD_FACE_SAMPLES = 8

OFFSET_RULE = (
    "The offset is how many seconds the recording started before the ad: if it started 2 s before "
    "the ad, use --offset 2 (reaction second 5 is then ad second 3); if it started after the ad "
    "began, the offset is negative."
)


@dataclass(frozen=True)
class AnalysisInputs:
    """An ad and an offset (or a recording clock) that :func:`check_inputs` accepted for a reaction video."""

    ad: AdInfo
    offset_s: float
    #: The ad's position against the recording's own clock (a browser recording's), else None.
    clock: RecordingClock | None = None

    def ad_ms(self, recording_ms: float) -> float:
        """The ad time of the reaction frame filmed at ``recording_ms``."""
        if self.clock is not None:
            return self.clock.ad_ms(recording_ms)
        return recording_ms - self.offset_s * 1000.0


def check_inputs(
    ad: str | Path,
    reaction: str | Path,
    offset_s: float = 0.0,
    out: str | Path | None = None,
    ad_info: AdInfo | None = None,
    adclock: list[tuple[float, float]] | tuple[tuple[float, float], ...] | None = None,
) -> AnalysisInputs:
    """Probe the ad and the reaction, and refuse combinations that cannot give a session.

    Reads the two files' headers (and the ad's checksum) only: no model is loaded and nothing
    is written, so a refused analysis leaves no trace. ``ad_info``, the ad already probed
    (a batch worker probes it once for all its reactions), skips probing it again.
    ``adclock``, ``[recording_ms, ad_ms]`` pairs a browser recorded (see
    :class:`~emolab.adclock.RecordingClock`), replaces the offset.

    Raises:
        SourceError: a file is missing or not a decodable video.
        InputError: the offset is not a number, or places the whole reaction before or after the
            ad, or the clock is malformed or never inside the ad, or ``out`` is a folder that
            already holds files.
    """
    if out is not None and Path(out).is_dir() and any(Path(out).iterdir()):
        raise InputError(f"session folder {out} is not empty; choose a new folder for --out")
    if not math.isfinite(offset_s):
        raise InputError(f"--offset must be a number of seconds, got {offset_s}. {OFFSET_RULE}")
    ad_info = ad_info or probe_ad(ad)
    if adclock is not None:
        try:
            clock = RecordingClock.parse([list(p) for p in adclock], ad_info.duration_ms)
        except ValueError as exc:
            raise InputError(f"the ad clock of {Path(reaction).name} cannot be used: {exc}") from exc
        with VideoFileSource(reaction, realtime=False):
            pass  # the reaction opens and decodes; the clock says where the ad was
        return AnalysisInputs(ad=ad_info, offset_s=0.0, clock=clock)
    with VideoFileSource(reaction, realtime=False) as source:
        fps, frames = source.fps, source.frame_count
    ad_s = ad_info.duration_ms / 1000.0
    # Reaction second t is ad second t - offset_s.
    first_ad_s = -offset_s
    if first_ad_s > ad_s:
        raise InputError(
            f"with --offset {offset_s:g} the reaction starts at ad second {first_ad_s:.1f}, after the "
            f"{ad_s:.1f} s ad has ended: no frame of {Path(reaction).name} falls during the ad. {OFFSET_RULE}"
        )
    if frames:
        last_ad_s = (frames - 1) / fps - offset_s
        if last_ad_s < 0:
            raise InputError(
                f"with --offset {offset_s:g} the {frames / fps:.1f} s reaction ends at ad second "
                f"{last_ad_s:.1f}, before the ad starts: no frame of {Path(reaction).name} falls during "
                f"the ad. {OFFSET_RULE}"
            )
    return AnalysisInputs(ad=ad_info, offset_s=offset_s)


def models_record(pipeline: Pipeline) -> dict[str, Any]:
    """What ``session.json`` says about the models a pipeline used."""
    det, clf = pipeline.choices
    return {
        "detector": {"name": det.name, "backend": det.backend, "reason": det.reason, "card": det.card},
        "classifier": {"name": clf.name, "backend": clf.backend, "reason": clf.reason, "card": clf.card},
    }


#: Ad checks already made in this process, by ad checksum and detection settings: a batch of
#: respondents watching one ad decodes it once.
_AD_FACE_CHECKS: dict[tuple, dict[str, int]] = {}


def ad_face_check(ad: AdInfo, pipeline: Pipeline, samples: int = AD_FACE_SAMPLES) -> dict[str, int]:
    """In how many of ``samples`` evenly spaced frames of the ad the pipeline finds a face.

    Recorded in ``session.json`` so the swap warning can be computed from the session alone.
    Only the pipeline's detector runs (a full detection per frame: nothing is followed from
    the reaction, and no emotion is needed).
    """
    st = pipeline.settings
    key = (ad.sha256, pipeline.choices[0].name, st.detect_max_side, st.detect_threshold, st.min_face_px, samples)
    if key not in _AD_FACE_CHECKS:
        _AD_FACE_CHECKS[key] = _count_ad_faces(ad, pipeline, samples)
    return dict(_AD_FACE_CHECKS[key])


def _count_ad_faces(ad: AdInfo, pipeline: Pipeline, samples: int) -> dict[str, int]:
    times = [(i + 0.5) * ad.duration_ms / samples for i in range(samples)]
    images = grab_frames(Path(ad.path), times, max_side=pipeline.settings.detect_max_side)
    with_face = sum(bool(pipeline.detector.detect(image)) for image in images.values())
    return {"frames_sampled": len(images), "frames_with_face": with_face}


def analyze_video(
    ad: str | Path,
    reaction: str | Path,
    settings: Settings,
    out: str | Path | None = None,
    offset_s: float = 0.0,
    respondent: str | None = None,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
    inputs: AnalysisInputs | None = None,
    adclock: list[tuple[float, float]] | tuple[tuple[float, float], ...] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Analyse ``reaction`` against ``ad`` and write a session folder.

    Reaction second ``t`` is ad second ``t - offset_s`` (a positive offset means the recording
    started before the ad). With ``adclock`` (``[recording_ms, ad_ms]`` pairs, see
    :class:`~emolab.adclock.RecordingClock`) each frame's ad time is read off that clock at the
    frame's own timestamp in the file instead, so pauses, buffering and seeks line up.
    Impossible inputs are refused before any work (see :func:`check_inputs`; pass its result
    as ``inputs`` to skip probing twice). Returns the folder and its summary. If analysis fails
    midway, the session keeps every frame analysed so far and is marked ``failed``.

    Raises:
        InputError: the inputs cannot give a session; nothing was written.
    """
    inputs = inputs or check_inputs(ad, reaction, offset_s, out, adclock=adclock)
    pipeline = pipeline or Pipeline.from_settings(settings)
    pipeline.reset()
    respondent = respondent or Path(reaction).stem
    # A browser's recording comes at a varying frame rate: its clock is the frames' own times.
    source = VideoFileSource(reaction, realtime=False, timestamps="pts" if inputs.clock else "rate")
    source_record: dict[str, Any] = {
        "kind": "video",
        "file": Path(reaction).name,
        "path": str(Path(reaction).resolve()),
        "fps": source.fps,
        "frame_count": source.frame_count,
        "offset_s": inputs.offset_s,
    }
    if inputs.clock is not None:
        source_record["adclock"] = inputs.clock.to_list()
    try:
        writer = SessionWriter.create(
            settings.sessions_dir,
            respondent=respondent,
            ad=inputs.ad,
            source=source_record,
            models=models_record(pipeline),
            settings=settings.to_record(),
            calibration_s=settings.calibration_s,
            folder=Path(out) if out else None,
            extra={"mode": "offline"},
        )
    except BaseException:
        source.close()
        raise
    log.info("analysing %s against %s into %s with %s", reaction, ad, writer.folder, pipeline.describe())
    ad_frames = ad_face_frames = 0
    try:
        with source:
            frames = Prefetcher(source)
            try:
                for frame in frames:
                    ad_ms = inputs.ad_ms(frame.timestamp_ms)
                    result = pipeline.process(frame, calibrating=writer.phase(ad_ms) == "calibration")
                    writer.write(result, ad_ms)
                    if writer.phase(ad_ms) == "ad":
                        ad_frames += 1
                        ad_face_frames += result.has_face
                    if progress is not None:
                        progress(writer.frames, source.frame_count)
            finally:
                frames.close()
        # Only a reaction with few faces during the ad (the summary's face_ratio, which the swap
        # warning reads) can be a swapped ad: look at the ad's frames then, not on every
        # analysis (decoding them costs seconds for a long high-resolution ad).
        if ad_face_frames < SWAP_REACTION_FACE_RATIO * max(ad_frames, 1):
            try:
                writer.meta["ad_face_check"] = ad_face_check(inputs.ad, pipeline)
            except EmolabError as exc:  # an optional check: the analysis itself is complete
                log.warning("could not look for faces in the ad (no swap check): %s", exc)
    except (EmolabError, KeyboardInterrupt) as exc:
        writer.close(status="failed", reason=str(exc) or type(exc).__name__)
        raise
    summary = writer.close(status="complete", reason="end of reaction video")
    return writer.folder, summary
