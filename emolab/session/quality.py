"""Data-quality warnings: why a session's numbers should not be trusted, said where it is made.

Computed from the session alone (``session.json`` and the timeline), so ``emolab summary
--rebuild`` reproduces them. Each warning is ``{"code": ..., "text": ...}``: the code is for
tools, the text for people. The thresholds are documented in the README.
"""

from __future__ import annotations

from typing import Any

from emolab.session.metrics import ad_time_shares
from emolab.session.timeline import Timeline

#: The recording must cover at least this share of the ad (a reaction of 2.4 s to a 14 s ad
#: says nothing about the other 11.6 s).
MIN_AD_COVERAGE = 0.90
#: A face must be found in at least this share of the analysed ad frames.
MIN_FACE_RATIO = 0.70
#: Analysed frames per second of ad time. At 5, frames are 0.2 s apart: a reaction as short as
#: a trace (``trace_min_s``, 0.5 s) is still seen in two or three frames, and fast cuts in the
#: ad are not skipped over.
MIN_SAMPLE_FPS = 5.0
#: At most this share of the frames a camera or video delivered may go unanalysed.
MAX_DROPPED_SHARE = 0.5
#: "The ad and the reaction may be swapped" when faces are in at least this share of the
#: frames sampled from the ad ...
SWAP_AD_FACE_SHARE = 0.75
#: ... and in less than this share of the reaction's frames.
SWAP_REACTION_FACE_RATIO = 0.30

CODES = ("partial_coverage", "few_faces", "low_fps", "dropped_frames", "swapped_inputs")


def _warning(code: str, text: str) -> dict[str, str]:
    return {"code": code, "text": text}


def session_warnings(meta: dict[str, Any], tl: Timeline, summary: dict[str, Any]) -> list[dict[str, str]]:
    """The data-quality warnings of a session (empty when it can be trusted).

    Args:
        meta: the session's description (``session.json``): the ad's duration, and the swap
            check an offline analysis records (``ad_face_check``).
        tl: its timeline.
        summary: :func:`emolab.session.metrics.compute_summary` of that timeline.
    """
    out: list[dict[str, str]] = []
    duration_ms = float(meta["ad"]["duration_ms"])
    coverage, _ = ad_time_shares(tl, duration_ms)
    if coverage < MIN_AD_COVERAGE:
        advice = (
            "Play the ad to its end, with the camera running throughout."
            if meta.get("mode") == "live"
            else "Check the offset, or record the whole ad."
        )
        out.append(
            _warning(
                "partial_coverage",
                f"The recording covers only {coverage * duration_ms / 1000.0:.1f} s of the "
                f"{duration_ms / 1000.0:.1f} s ad ({coverage:.0%}; at least {MIN_AD_COVERAGE:.0%} expected): "
                f"the rest of the ad was not measured. {advice}",
            )
        )
    frames = int(summary["frames"])
    if frames and summary["face_ratio"] == 0:
        out.append(
            _warning(
                "few_faces",
                f"No face was found in any of the {frames} analysed ad frames: this respondent adds nothing "
                "to the curves. Check that the recording shows the respondent's face.",
            )
        )
    elif frames and summary["face_ratio"] < MIN_FACE_RATIO:
        out.append(
            _warning(
                "few_faces",
                f"A face was found in only {summary['face_ratio']:.0%} of the {frames} analysed ad frames "
                f"(at least {MIN_FACE_RATIO:.0%} expected): the respondent looked away or left the picture, "
                "or the light or the camera angle was poor.",
            )
        )
    if frames > 1 and summary["ad_seconds_covered"] > 0:
        fps = sample_fps(summary)
        if fps < MIN_SAMPLE_FPS:
            out.append(
                _warning(
                    "low_fps",
                    f"Only {fps:.1f} frames were analysed per second of ad time (at least "
                    f"{MIN_SAMPLE_FPS:g} expected): processing was too slow for the ad's pace, and a reaction "
                    f"shorter than {1.0 / fps:.1f} s can fall between two analysed frames. Choose a "
                    "faster face detector ('emolab models') or close other programs.",
                )
            )
    dropped = int(summary["dropped_frames"])
    delivered = int(summary["frames_total"]) + dropped
    if delivered and dropped / delivered > MAX_DROPPED_SHARE:
        out.append(
            _warning(
                "dropped_frames",
                f"{dropped} of the {delivered} frames the camera delivered ({dropped / delivered:.0%}) were "
                f"dropped because the analysis could not keep up (at most {MAX_DROPPED_SHARE:.0%} expected): "
                "what the face did between analysed frames was not measured.",
            )
        )
    check = meta.get("ad_face_check")
    if frames and isinstance(check, dict) and check.get("frames_sampled"):
        sampled, with_face = int(check["frames_sampled"]), int(check.get("frames_with_face", 0))
        # The face ratio of the ad frames: the measure the analysis used to decide to sample the ad.
        ratio = float(summary["face_ratio"])
        if with_face / sampled >= SWAP_AD_FACE_SHARE and ratio < SWAP_REACTION_FACE_RATIO:
            out.append(
                _warning(
                    "swapped_inputs",
                    f"The ad and the reaction may be swapped: a face was found in {with_face} of {sampled} "
                    f"frames sampled from the ad, but in only {ratio:.0%} of the reaction's frames during the "
                    "ad. Check that --ad is the advertisement and --reaction the respondent's recording.",
                )
            )
    return out


def sample_fps(summary: dict[str, Any]) -> float:
    """Frames analysed per second of ad time.

    Not per second of wall-clock time: offline analysis may run slower than real time without
    missing anything. Each frame covers the ad time until the next (``ad_seconds_covered``),
    so frames spaced ``s`` seconds apart give ``1/s``.
    """
    covered_s = float(summary["ad_seconds_covered"])
    return int(summary["frames"]) / covered_s if covered_s > 0 else 0.0
