"""The session report: one self-contained ``report.html`` a marketer can forward to a client."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from emolab import __version__
from emolab.emotions import EMOTIONS, GROUP_KEYS, GROUPS, series_label
from emolab.errors import EmolabError, SessionError
from emolab.outputs import check_writable
from emolab.palette import ATTENTION_COLOR, GROUP_COLORS, SERIES_COLORS
from emolab.report import charts, html
from emolab.report.adframes import attach_ad_frames, find_ad
from emolab.report.scenes import MAD_K, MIN_SCENE_S, MIN_THRESHOLD, CutDetection, detect_scenes
from emolab.report.series import (
    ATTENTION_WINDOW_S,
    LOOKAWAY_LOOKBACK_S,
    LOOKAWAY_MIN_DROP,
    LOOKAWAYS,
    MOMENT_MIN_GAP_S,
    MOMENT_MIN_PROB,
    MOMENTS_PER_SERIES,
    SERIES_NAMES,
    FrameCurves,
    apply_baseline,
    attention_curve,
    frame_curves,
    key_moments,
    look_away_moments,
    scene_stats,
)
from emolab.session import quality
from emolab.session.metrics import MIN_VIEWER_S, ad_time_shares, attention_by_scene, compute_summary
from emolab.session.store import (
    Session,
    load_session,
    metric_settings,
    read_meta,
    rebuild_summary,
    recorded_setting,
    summary_for,
)
from emolab.session.timeline import Timeline

log = logging.getLogger(__name__)

REPORT_FILE = "report.html"


def report_context(
    data: dict[str, Any], figs: dict[str, str], thumbs: Any, x_max: float, ad_note: str
) -> dict[str, Any]:
    """The template context both reports share (the data itself is added by ``html.render``)."""
    return {
        "figs": figs,
        "thumbs": thumbs,
        "colors": SERIES_COLORS,
        "group_colors": GROUP_COLORS,
        "label": series_label,
        "emotions": EMOTIONS,
        "groups": GROUPS,
        "group_keys": GROUP_KEYS,
        "fmt_time": fmt_time,
        "ad_note": ad_note,
        "consts": {
            "moment_min_prob": MOMENT_MIN_PROB,
            "moments_per_series": MOMENTS_PER_SERIES,
            "moment_gap_s": max(MOMENT_MIN_GAP_S, 0.05 * x_max),
            "mad_k": MAD_K,
            "min_threshold": MIN_THRESHOLD,
            "min_scene_s": MIN_SCENE_S,
            "min_ad_coverage": quality.MIN_AD_COVERAGE,
            "min_face_ratio": quality.MIN_FACE_RATIO,
            "min_sample_fps": quality.MIN_SAMPLE_FPS,
            "max_dropped_share": quality.MAX_DROPPED_SHARE,
            "attention_window_s": ATTENTION_WINDOW_S,
            "lookaway_lookback_s": LOOKAWAY_LOOKBACK_S,
            "lookaway_min_drop": LOOKAWAY_MIN_DROP,
            "lookaways": LOOKAWAYS,
        },
    }


def attention_cone(meta: dict[str, Any]) -> dict[str, float]:
    """The attention cone a session was recorded with (today's defaults where absent)."""
    return {
        "yaw_deg": recorded_setting(meta, "attention_yaw_deg"),
        "pitch_deg": recorded_setting(meta, "attention_pitch_deg"),
    }


def attentive_only_note(state: dict[str, Any], known: bool) -> str:
    """The sentence every report states about the ``attentive_only`` setting."""
    if state["applied"]:
        return (
            f"Emotion shares and EEI are over attentive face frames only ({state['face_rows']} rows; "
            "setting attentive_only on)."
        )
    if state["requested"] and not known:
        return (
            "attentive_only was requested, but where the respondent looked is unknown for this session "
            "(recorded before head pose, or with a detector without landmarks): shares and EEI are over "
            "every face frame."
        )
    return "Emotion shares and EEI are over every face frame, attentive or not (setting attentive_only off)."


def session_numbers(
    session: Session, baseline: bool = False, attentive_only: bool | None = None
) -> tuple[dict[str, Any], FrameCurves, Timeline]:
    """Every number a session report states, from the timeline alone (no ad file needed).

    Args:
        session: a loaded session.
        baseline: correct each emotion by the respondent's resting level when the session
            has calibration frames (see :func:`emolab.report.series.apply_baseline`).
        attentive_only: emotion shares and EEI over attentive frames only (None: as the
            session was recorded).

    Returns:
        The report's data (JSON-able), the per-frame curves and the timeline it used (baseline
        corrected if it was applied).

    Raises:
        SessionError: the session has no frame during the ad.
    """
    meta, tl = session.meta, session.timeline
    duration_ms = float(meta["ad"]["duration_ms"])
    if not np.any(tl.phase == "ad"):
        raise SessionError(
            f"session {session.folder} has no frame during the ad (its recording ended before the ad "
            "started or the offset is wrong); there is nothing to report"
        )
    k, trace_min_s, only_attentive = metric_settings(meta, attentive_only)
    raw_summary = summary_for(meta, tl, attentive_only=attentive_only)
    rest = raw_summary["calibration_baseline"]
    if baseline and rest:
        tl = apply_baseline(tl, rest)
        state = {
            "requested": True,
            "applied": True,
            "values": rest,
            "note": "Each emotion was corrected by the respondent's resting level, measured over "
            f"{raw_summary['frames_by_phase']['calibration']} calibration frames before the ad.",
        }
    elif baseline:
        state = {
            "requested": True,
            "applied": False,
            "values": None,
            "note": "Baseline correction was requested, but this session has no calibration frames; "
            "the numbers are uncorrected.",
        }
    else:
        state = {
            "requested": False,
            "applied": False,
            "values": rest,
            "note": "No baseline correction (raw classifier output)."
            + (
                " This session has calibration frames: build it with --baseline to correct "
                "for the respondent's resting face."
                if rest
                else ""
            ),
        }
    summary = raw_summary
    if state["applied"]:  # the labels change; the data-quality warnings do not
        summary = {
            **compute_summary(tl, emonps_k=k, trace_min_s=trace_min_s, attentive_only=only_attentive),
            "warnings": raw_summary["warnings"],
        }
    curves = frame_curves(tl)
    attention = attention_curve(curves)
    known = summary["attention_share"] is not None
    coverage, face_share = ad_time_shares(tl, duration_ms)
    notes = []
    if meta.get("status") != "complete":
        notes.append(
            f"The session is marked '{meta.get('status')}' ({meta.get('end_reason') or 'no reason given'}): "
            "it may not cover the whole ad."
        )
    if summary["emonps"]["respondents"] == 0:
        notes.append(f"No viewer was seen for at least {MIN_VIEWER_S:g} s during the ad, so EmoNPS is undefined.")
    delay_s = recorded_setting(meta, "reaction_delay_s")
    return (
        {
            "kind": "session",
            "emolab_version": __version__,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "respondent": session.respondent,
            "session": {
                "folder": session.folder.name,
                "started_at": meta.get("started_at"),
                "status": meta.get("status"),
                "mode": meta.get("mode", "live"),
                "source": (meta.get("source") or {}).get("file"),
                "offset_s": (meta.get("source") or {}).get("offset_s"),
                "calibration_s": meta.get("calibration_s", 0.0),
                "detector": ((meta.get("models") or {}).get("detector") or {}).get("name"),
                "classifier": ((meta.get("models") or {}).get("classifier") or {}).get("name"),
                "smoothing_s": (meta.get("settings") or {}).get("smoothing_s"),
                "reaction_delay_s": delay_s,
            },
            "ad": {k2: meta["ad"].get(k2) for k2 in ("file", "sha256", "duration_ms", "fps", "width", "height")},
            "baseline": state,
            "summary": summary,
            "quality": {
                "face_ratio": summary["face_ratio"],
                "face_rows": int(np.sum((tl.phase == "ad") & (tl.viewer_id >= 0))),
                "face_time_share": face_share,
                "ad_coverage": coverage,
                "processed_fps": summary["processed_fps"],
                "sample_fps": quality.sample_fps(summary),
                "dropped_frames": summary["dropped_frames"],
                "latency_ms_median": summary["latency_ms_median"],
                "trustworthy": not summary["warnings"],
                "warnings": summary["warnings"],
                "notes": notes,
            },
            "moments": key_moments(curves, duration_ms, delay_s),
            "attention": {
                "known": known,
                "share": summary["attention_share"],
                "cone": attention_cone(meta),
                "reference": summary["attention_reference"],
                "attentive_only": summary["attentive_only"],
                "attentive_only_note": attentive_only_note(summary["attentive_only"], known),
                "curve": {"t_s": curves.t_s, "share": attention},
                "look_aways": look_away_moments(curves.t_s, attention, duration_ms) if known else [],
            },
        },
        curves,
        tl,
    )


def _scenes_or_none(ad_path: Path | None) -> tuple[CutDetection | None, str]:
    if ad_path is None:
        return None, ""
    try:
        return detect_scenes(ad_path), ""
    except EmolabError as exc:  # a report without scenes beats no report
        log.warning("scene detection failed: %s", exc)
        return None, str(exc)


def ad_scenes(meta: dict[str, Any], near: list[Path]) -> list[Any] | None:
    """The scenes of the session's ad when its file is found (checked by sha256), else None."""
    path, _ = find_ad(meta["ad"], near=near)
    detection, _ = _scenes_or_none(path)
    return list(detection.scenes) if detection else None


def rebuild_with_scenes(session_dir: Path) -> dict[str, Any]:
    """``rebuild_summary`` with ``attention_by_scene`` filled when the ad is found (``summary --rebuild``)."""
    session_dir = Path(session_dir)
    meta = read_meta(session_dir)
    check_writable(  # before decoding the ad for its scenes
        session_dir, "the summary", "copy the session folder somewhere writable and rebuild it there"
    )
    return rebuild_summary(session_dir, ad_scenes(meta, near=[session_dir]))


def fmt_time(t_s: float) -> str:
    """``m:ss.s`` for a position in the ad."""
    m, s = divmod(max(0.0, t_s), 60.0)
    return f"{int(m)}:{s:04.1f}"


def build_session_report(
    session_dir: Path, baseline: bool = False, out: Path | None = None, attentive_only: bool | None = None
) -> Path:
    """Write the session's ``report.html`` (or ``out``) and return its path.

    Reads the session without changing any of its files; the only file written is the report.
    ``attentive_only`` overrides the recorded setting (None keeps it).

    Raises:
        SessionError: the session is missing, malformed or has no ad frames.
        OutputError: the report cannot be written there (checked before any work).
    """
    session_dir = Path(session_dir)
    session = load_session(session_dir)
    target = Path(out) if out else session_dir / REPORT_FILE
    check_writable(target.parent, "the report", "write it elsewhere with --out FILE")
    data, curves, tl = session_numbers(session, baseline=baseline, attentive_only=attentive_only)
    duration_ms = float(data["ad"]["duration_ms"])
    ad_path, ad_note = find_ad(session.meta["ad"], near=[session_dir])
    detection, scene_error = _scenes_or_none(ad_path)
    only_attentive = data["summary"]["attentive_only"]["applied"]
    scenes = scene_stats(tl, detection.scenes, attentive_only=only_attentive) if detection else []
    if detection:
        data["summary"]["attention_by_scene"] = attention_by_scene(tl, detection.scenes)
    data["scenes"] = {
        "threshold": detection.threshold if detection else None,
        "list": scenes,
        "note": scene_error or ("" if detection else ad_note),
    }
    data["ad"]["found"] = str(ad_path) if ad_path else None

    thumbs = attach_ad_frames(data, scenes, ad_path)

    regions = (
        [charts.Region(s["start_ms"] / 1000.0, s["end_ms"] / 1000.0, f"S{s['index']}") for s in scenes]
        if len(scenes) > 1
        else []
    )
    x_max = duration_ms / 1000.0

    def lines(names: tuple[str, ...]) -> list[charts.Series]:
        out_ = [
            charts.Series(
                series_label(n), curves.t_s, curves.column(n, raw=True), SERIES_COLORS[n], css_class="raw", width=1.0
            )
            for n in names
        ]
        return out_ + [charts.Series(series_label(n), curves.t_s, curves.column(n), SERIES_COLORS[n]) for n in names]

    figs = {
        "emotions": charts.line_chart(
            lines(EMOTIONS), x_max, (0, 1), "Emotion probabilities over the ad", "Probability", regions=regions
        ),
        "groups": charts.line_chart(
            lines(GROUP_KEYS), x_max, (0, 1), "Group probabilities over the ad", "Probability", regions=regions
        ),
        "emotion_share": charts.bar_chart(
            [(e, data["summary"]["emotion_share"][e], SERIES_COLORS[e]) for e in EMOTIONS], "Share of each emotion"
        ),
        "group_share": charts.bar_chart(
            [(g, data["summary"]["group_share"][g], GROUP_COLORS[g]) for g in GROUPS], "Share of each group"
        ),
        "attention": charts.line_chart(
            [charts.Series("attentive", curves.t_s, data["attention"]["curve"]["share"], ATTENTION_COLOR)],
            x_max,
            (0, 1),
            "Attention over the ad",
            "Attentive",
            regions=regions,
            markers=[(m["t_s"], ATTENTION_COLOR) for m in data["attention"]["look_aways"]],
            y_format="{:.0%}",
            height=200,
        ),
    }
    context = report_context(data, figs, thumbs, x_max, ad_note if ad_path is None else "")
    context["series_names"] = SERIES_NAMES
    context["consts"]["min_viewer_s"] = MIN_VIEWER_S
    html.write_atomic(target, html.render("session", context, data))
    log.info("session report written to %s", target)
    return target
