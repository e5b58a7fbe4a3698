"""The study report: several respondents' sessions of one ad, combined.

Writes ``study.html`` plus CSV exports into the output folder:

- ``study_curves.csv``: per second of ad time, the mean of each emotion and group over
  respondents with a face in that second, its 95% confidence interval, the share of those
  respondents whose dominant group was positive / negative / neutral, and the % of
  respondents attentive (mean of their attentive shares of that second, with its 95% CI);
- ``study_respondents.csv``: one row per respondent with their metrics;
- ``study_scenes.csv``: per scene, valence and dominant emotion across respondents.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from emolab import __version__
from emolab.emotions import EMOTIONS, GROUP_KEYS, GROUPS, group_key, series_label
from emolab.errors import EmolabError, SessionError
from emolab.outputs import check_writable
from emolab.palette import ATTENTION_COLOR, GROUP_COLORS, SERIES_COLORS
from emolab.report import charts, html
from emolab.report.adframes import attach_ad_frames, find_ad
from emolab.report.scenes import detect_scenes
from emolab.report.series import (
    SERIES_NAMES,
    FrameCurves,
    key_moments,
    look_away_moments,
    mean_ci,
    per_second,
    scene_stats,
)
from emolab.report.session_report import attention_cone, report_context
from emolab.session.metrics import MIN_VIEWER_S, ad_time_shares, emonps_from_flags
from emolab.session.store import SESSION_FILE, Session, load_session, metric_settings, recorded_setting, summary_for

log = logging.getLogger(__name__)

STUDY_FILE = "study.html"
CURVES_CSV = "study_curves.csv"
RESPONDENTS_CSV = "study_respondents.csv"
SCENES_CSV = "study_scenes.csv"


def expand_session_dirs(paths: list[Path]) -> list[Path]:
    """Session folders among ``paths``: each is a session or a folder holding sessions.

    Raises:
        SessionError: a path is missing or holds no session.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / SESSION_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            inner = sorted(p for p in path.iterdir() if (p / SESSION_FILE).is_file())
            if not inner:
                raise SessionError(
                    f"{path} is neither an emolab session nor a folder holding sessions "
                    f"(no {SESSION_FILE} in it or its sub-folders)"
                )
            found += inner
        else:
            raise SessionError(f"session folder {path} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise SessionError("no session folders given; pass session folders or a folder holding them")
    return unique


def relative_session_paths(dirs: list[Path], study_dir: Path) -> list[str]:
    """How a study page records its sessions: relative to the study folder where possible."""
    out = []
    base = Path(study_dir).resolve()
    for d in dirs:
        d = Path(d).resolve()
        try:
            out.append(Path(os.path.relpath(d, base)).as_posix())
        except ValueError:  # another drive (Windows)
            out.append(str(d))
    return out


def check_same_ad(sessions: list[Session]) -> None:
    """Refuse sessions recorded with different ads (compared by the ad file's sha256).

    Raises:
        SessionError: naming each ad and the sessions recorded with it.
    """
    by_ad: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        by_ad[s.meta["ad"]["sha256"]].append(s)
    if len(by_ad) > 1:
        parts = [
            f"{group[0].meta['ad']['file']} (sha256 {sha[:12]}…): {', '.join(str(s.folder) for s in group)}"
            for sha, group in by_ad.items()
        ]
        raise SessionError(
            "these sessions were recorded with different ads and cannot form one study — "
            + "; ".join(parts)
            + ". Aggregate the sessions of each ad separately."
        )


def _respondent(session: Session, duration_ms: float, attentive_only: bool | None) -> dict[str, Any]:
    k, trace_min_s, _ = metric_settings(session.meta, attentive_only)
    summary = summary_for(session.meta, session.timeline, attentive_only=attentive_only)
    e = summary["emonps"]
    counted = e["respondents"] > 0  # at least one viewer seen for MIN_VIEWER_S
    face_share = ad_time_shares(session.timeline, duration_ms)[1]
    return {
        "folder": session.folder.name,
        "respondent": session.respondent,
        "started_at": session.meta.get("started_at"),
        "status": session.meta.get("status"),
        "frames": summary["frames"],
        "face_ratio": summary["face_ratio"],
        "face_time_share": face_share,
        "trustworthy": not summary["warnings"],
        "warnings": summary["warnings"],
        "eei": summary["eei"] if summary["face_frames"] else None,
        "counted": counted,
        "engaged": counted and e["engaged"] > 0,
        "critical": counted and e["critical"] > 0,
        "silent": counted and e["engaged"] == 0 and e["critical"] == 0,
        "emonps_k": k,
        "trace_min_s": trace_min_s,
        "reaction_delay_s": recorded_setting(session.meta, "reaction_delay_s"),
        "emotion_share": summary["emotion_share"],
        "group_share": summary["group_share"],
        "processed_fps": summary["processed_fps"],
        "dropped_frames": summary["dropped_frames"],
        "attention_share": summary["attention_share"],
        "attentive_only": summary["attentive_only"],
    }


def respondent_seconds(sessions: list[Session]) -> list[dict[str, np.ndarray]]:
    """Each respondent's :func:`~emolab.report.series.per_second` bins over the (common) ad's seconds."""
    duration_ms = float(sessions[0].meta["ad"]["duration_ms"])
    return [per_second(s.timeline, duration_ms) for s in sessions]


def study_numbers(
    sessions: list[Session], attentive_only: bool | None = None, bins: list[dict[str, np.ndarray]] | None = None
) -> tuple[dict[str, Any], FrameCurves]:
    """Every number a study report states, from the sessions' timelines alone.

    ``attentive_only`` overrides each session's recorded setting (None keeps them). ``bins``:
    the sessions' :func:`respondent_seconds`, when the caller has them already.

    Returns:
        The study's data (JSON-able) and its mean per-second curves (for key moments).

    Raises:
        SessionError: the sessions were recorded with different ads.
    """
    check_same_ad(sessions)
    ad = sessions[0].meta["ad"]
    duration_ms = float(ad["duration_ms"])
    rows = [_respondent(s, duration_ms, attentive_only) for s in sessions]

    bins = respondent_seconds(sessions) if bins is None else bins
    secs = bins[0]["seconds"]
    stack = np.stack([b["mean"] for b in bins])  # (respondents, seconds, series)
    mean, lo, hi = mean_ci(stack, axis=0)
    with_face = np.stack([b["face_rows"] > 0 for b in bins])  # (R, S)
    n_face = with_face.sum(axis=0)
    dominant = np.stack([b["dominant_group"] for b in bins])
    share = {g: np.where(n_face > 0, (dominant == g).sum(axis=0) / np.maximum(n_face, 1), np.nan) for g in GROUPS}
    attention = np.stack([b["attention"] for b in bins])  # (R, S): each respondent's attentive share
    att_mean, att_lo, att_hi = mean_ci(attention, axis=0)
    att_lo, att_hi = np.clip(att_lo, 0.0, 1.0), np.clip(att_hi, 0.0, 1.0)  # a share stays within 0..100%
    att_overall = np.array([r["attention_share"] if r["attention_share"] is not None else np.nan for r in rows])
    att_all_mean, att_all_lo, att_all_hi = (np.clip(v, 0.0, 1.0) for v in mean_ci(att_overall[:, None], axis=0))
    applied = [r["attentive_only"]["applied"] for r in rows]
    requested = [r["attentive_only"]["requested"] for r in rows]

    counted = [r for r in rows if r["counted"]]
    ks = sorted({r["emonps_k"] for r in rows})
    traces = sorted({r["trace_min_s"] for r in rows})
    k = ks[0]
    emonps = emonps_from_flags(
        [r["engaged"] for r in counted], [r["critical"] for r in counted], [r["silent"] for r in counted], k
    )
    eeis = np.array([r["eei"] if r["eei"] is not None else np.nan for r in rows], dtype=float)
    eei_mean, eei_lo, eei_hi = mean_ci(eeis[:, None], axis=0)
    notes = []
    if len(ks) > 1 or len(traces) > 1:
        notes.append(
            f"Sessions were recorded with different settings (K {ks}, trace minimum {traces} s); "
            f"the study uses K = {k}, and each respondent's traces as recorded."
        )
    delays = sorted({r["reaction_delay_s"] for r in rows})
    if len(delays) > 1:
        notes.append(
            f"Sessions were recorded with different reaction delays ({delays} s); key moments use {delays[0]} s."
        )
    unknown = [r["respondent"] or r["folder"] for r in rows if r["attention_share"] is None]
    if unknown:
        notes.append(
            f"Where {len(unknown)} of {len(rows)} respondents looked is unknown (recorded before emolab measured "
            f"head pose, or with a detector without landmarks: {', '.join(unknown)}); attention is over the others."
        )
    poor = [r for r in rows if not r["trustworthy"]]
    if poor:
        notes.append(
            f"{len(poor)} of {len(rows)} respondents have data-quality warnings ("
            + "; ".join(
                f"{r['respondent'] or r['folder']}: {', '.join(w['code'] for w in r['warnings'])}" for r in poor
            )
            + "); they are included, but their seconds without a face do not count in the curves. "
            "Each warning is explained in that respondent's session report."
        )
    return {
        "kind": "study",
        "emolab_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "ad": {k2: ad.get(k2) for k2 in ("file", "sha256", "duration_ms", "fps", "width", "height")},
        "respondents": rows,
        "n_respondents": len(rows),
        "per_second": {
            "seconds": secs,
            "n_with_face": n_face,
            "mean": {n: mean[:, i] for i, n in enumerate(SERIES_NAMES)},
            "ci_low": {n: lo[:, i] for i, n in enumerate(SERIES_NAMES)},
            "ci_high": {n: hi[:, i] for i, n in enumerate(SERIES_NAMES)},
            "share_respondents": share,
            "attention": {
                "mean": att_mean,
                "ci_low": att_lo,
                "ci_high": att_hi,
                "n": np.isfinite(attention).sum(axis=0),
            },
        },
        "attention": {
            "known": bool(np.isfinite(att_overall).any()),
            "mean": float(att_all_mean[0]),
            "ci_low": float(att_all_lo[0]),
            "ci_high": float(att_all_hi[0]),
            "n": int(np.isfinite(att_overall).sum()),
            "cone": attention_cone(sessions[0].meta),
            "attentive_only": {
                "requested": any(requested),
                "applied": sum(applied),
                "note": (
                    f"Emotion shares, EEI and scene valence are over attentive face frames only for {sum(applied)} of "
                    f"{len(rows)} respondents (setting attentive_only on"
                    + (f"; attention is unknown for {len(rows) - sum(applied)})." if sum(applied) < len(rows) else ").")
                    if any(applied)
                    else "Emotion shares, EEI and scene valence are over every face frame, attentive or not "
                    "(setting attentive_only off)."
                    if not any(requested)
                    else "attentive_only was requested, but attention is unknown for these sessions: shares are over "
                    "every face frame."
                ),
            },
            "look_aways": look_away_moments(secs + 0.5, att_mean, duration_ms),
        },
        "eei": {
            "mean": float(eei_mean[0]),
            "ci_low": float(eei_lo[0]),
            "ci_high": float(eei_hi[0]),
            "n": int(np.isfinite(eeis).sum()),
        },
        "emonps": {
            "value": emonps,
            "k": k,
            "trace_min_s": traces[0],
            "min_viewer_face_s": MIN_VIEWER_S,
            "respondents": len(counted),
            "engaged": sum(r["engaged"] for r in counted),
            "critical": sum(r["critical"] for r in counted),
            "silent": sum(r["silent"] for r in counted),
        },
        "reaction_delay_s": delays[0],
        "notes": notes,
    }, FrameCurves(t_s=secs + 0.5, smoothed=mean, raw=mean)


def study_scenes(sessions: list[Session], scenes: list, applied: list[bool]) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per scene across respondents: mean valence and attention with 95% CIs, dominant emotion, group shares.

    ``applied[i]``: whether session i's shares are over attentive frames only.
    """
    per = [scene_stats(s.timeline, scenes, attentive_only=a) for s, a in zip(sessions, applied)]
    out = []
    for i, sc in enumerate(scenes):
        cells = [p[i] for p in per if p[i]["face_rows"] > 0]
        val = np.array([c["valence"] for c in cells], dtype=float)
        m, lo, hi = mean_ci(val[:, None], axis=0) if len(val) else (np.array([np.nan]),) * 3
        att = np.array([p[i]["attention_share"] for p in per if p[i]["attention_share"] is not None], dtype=float)
        am, alo, ahi = mean_ci(att[:, None], axis=0) if len(att) else (np.array([np.nan]),) * 3
        emo = {e: float(np.mean([c["emotion_share"][e] for c in cells])) if cells else 0.0 for e in EMOTIONS}
        dom_groups = [max(GROUPS, key=lambda g, c=c: c["group_share"][g]) for c in cells]
        out.append(
            {
                **sc.to_dict(),
                "respondents": len(cells),
                "valence": float(m[0]),
                "valence_ci_low": float(lo[0]),
                "valence_ci_high": float(hi[0]),
                "emotion_share": emo,
                "dominant": max(EMOTIONS, key=lambda e: emo[e]) if cells else None,
                "share_respondents": {g: dom_groups.count(g) / len(cells) if cells else 0.0 for g in GROUPS},
                "attention": float(am[0]),
                "attention_ci_low": float(alo[0]),
                "attention_ci_high": float(ahi[0]),
                "attention_respondents": len(att),
            }
        )
    return out


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text of a table: empty cells for missing values (None, NaN), floats with 6 significant digits."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(
            [
                ""
                if v is None or (isinstance(v, float) and not np.isfinite(v))
                else (f"{v:.6g}" if isinstance(v, float) else v)
                for v in row
            ]
        )
    return buf.getvalue()


def write_exports(data: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """The CSV exports of a study; returns their paths by kind."""
    ps = data["per_second"]
    header = ["second_start", "second_end", "respondents_with_face"]
    for n in SERIES_NAMES:
        header += [f"{n}_mean", f"{n}_ci_low", f"{n}_ci_high"]
    header += [f"share_respondents_{group_key(g)}" for g in GROUPS]
    header += ["respondents_with_attention", "attention_mean", "attention_ci_low", "attention_ci_high"]
    att = ps["attention"]
    rows = []
    for i, s in enumerate(ps["seconds"]):
        row: list[Any] = [int(s), int(s) + 1, int(ps["n_with_face"][i])]
        for n in SERIES_NAMES:
            row += [float(ps["mean"][n][i]), float(ps["ci_low"][n][i]), float(ps["ci_high"][n][i])]
        row += [float(ps["share_respondents"][g][i]) for g in GROUPS]
        row += [int(att["n"][i]), float(att["mean"][i]), float(att["ci_low"][i]), float(att["ci_high"][i])]
        rows.append(row)
    paths = {"curves": out_dir / CURVES_CSV, "respondents": out_dir / RESPONDENTS_CSV}
    html.write_atomic(paths["curves"], csv_text(header, rows))

    header = [
        "respondent",
        "session",
        "started_at",
        "status",
        "frames",
        "face_ratio",
        "face_time_share",
        "trustworthy",
        "eei",
        "counted",
        "engaged",
        "critical",
        "silent",
        "processed_fps",
        "dropped_frames",
        "warnings",
        "attention_share",
        "attentive_only",
    ]
    header += [f"share_{e}" for e in EMOTIONS] + [f"share_{group_key(g)}" for g in GROUPS]
    rows = [
        [
            r["respondent"],
            r["folder"],
            r["started_at"],
            r["status"],
            r["frames"],
            r["face_ratio"],
            r["face_time_share"],
            int(r["trustworthy"]),
            r["eei"],
            int(r["counted"]),
            int(r["engaged"]),
            int(r["critical"]),
            int(r["silent"]),
            r["processed_fps"],
            r["dropped_frames"],
            ";".join(w["code"] for w in r["warnings"]),
            r["attention_share"],
            int(r["attentive_only"]["applied"]),
        ]
        + [r["emotion_share"][e] for e in EMOTIONS]
        + [r["group_share"][g] for g in GROUPS]
        for r in data["respondents"]
    ]
    html.write_atomic(paths["respondents"], csv_text(header, rows))

    if data["scenes"]["list"]:
        header = (
            [
                "scene",
                "start_s",
                "end_s",
                "respondents",
                "valence_mean",
                "valence_ci_low",
                "valence_ci_high",
                "dominant_emotion",
            ]
            + [f"share_{e}" for e in EMOTIONS]
            + [f"respondents_{group_key(g)}" for g in GROUPS]
            + ["attention_respondents", "attention_mean", "attention_ci_low", "attention_ci_high"]
        )
        rows = [
            [
                s["index"],
                s["start_ms"] / 1000.0,
                s["end_ms"] / 1000.0,
                s["respondents"],
                s["valence"],
                s["valence_ci_low"],
                s["valence_ci_high"],
                s["dominant"],
            ]
            + [s["emotion_share"][e] for e in EMOTIONS]
            + [s["share_respondents"][g] for g in GROUPS]
            + [s["attention_respondents"], s["attention"], s["attention_ci_low"], s["attention_ci_high"]]
            for s in data["scenes"]["list"]
        ]
        paths["scenes"] = out_dir / SCENES_CSV
        html.write_atomic(paths["scenes"], csv_text(header, rows))
    return paths


def build_study_report(
    session_dirs: list[Path],
    out_dir: Path,
    attentive_only: bool | None = None,
    norms_db: Path | None = None,
    category: str | None = None,
) -> Path:
    """Combine sessions of one ad into ``out_dir/study.html`` plus CSV exports; return the page's path.

    ``session_dirs`` may hold session folders or folders holding sessions. Session files are
    only read. ``attentive_only`` overrides the sessions' recorded setting (None keeps it).
    The page ranks the study's KPIs among the norms library ``norms_db`` (default: the user's;
    only read) in ``category`` (default: the study's own category in the norms, else all).

    Raises:
        SessionError: a session is missing or malformed, or the sessions were recorded with
            different ads.
        OutputError: ``out_dir`` cannot be written (checked before any work).
    """
    from emolab.compare.kpis import study_kpis
    from emolab.norms.fingerprint import study_fingerprint
    from emolab.norms.ranking import norms_context

    dirs = expand_session_dirs(list(session_dirs))
    sessions = [load_session(d) for d in dirs]
    out_dir = check_writable(out_dir, "the study", "choose a writable folder with --out")
    data, curves = study_numbers(sessions, attentive_only)
    # Where the sessions are, so `emolab compare` and `emolab norms add` can find them from the study folder.
    data["sessions"] = relative_session_paths(dirs, out_dir)
    data["kpis"] = study_kpis(data)
    data["norms"] = norms_context(norms_db, data["kpis"], category, (data["ad"]["sha256"], study_fingerprint(sessions)))
    duration_ms = float(data["ad"]["duration_ms"])
    x_max = duration_ms / 1000.0

    ad_path, ad_note = find_ad(sessions[0].meta["ad"], near=[out_dir, *dirs])
    scenes_list: list[dict[str, Any]] = []
    threshold = None
    if ad_path is not None:
        try:
            detection = detect_scenes(ad_path)
            applied = [r["attentive_only"]["applied"] for r in data["respondents"]]
            scenes_list, threshold = study_scenes(sessions, detection.scenes, applied), detection.threshold
        except EmolabError as exc:
            ad_note = str(exc)
            log.warning("scene detection failed: %s", exc)
    data["scenes"] = {"threshold": threshold, "list": scenes_list, "note": "" if scenes_list else ad_note}
    data["moments"] = key_moments(curves, duration_ms, data["reaction_delay_s"])
    thumbs = attach_ad_frames(data, scenes_list, ad_path)

    exports = write_exports(data, out_dir)
    data["exports"] = {k: p.name for k, p in exports.items()}
    ps = data["per_second"]
    x = np.asarray(ps["seconds"]) + 0.5
    regions = (
        [charts.Region(s["start_ms"] / 1000.0, s["end_ms"] / 1000.0, f"S{s['index']}") for s in scenes_list]
        if len(scenes_list) > 1
        else []
    )

    def lines(names: tuple[str, ...]) -> list[charts.Series]:
        return [
            charts.Series(
                series_label(n),
                x,
                np.asarray(ps["mean"][n]),
                SERIES_COLORS[n],
                band=(np.asarray(ps["ci_low"][n]), np.asarray(ps["ci_high"][n])),
            )
            for n in names
        ]

    figs = {
        "emotions": charts.line_chart(
            lines(EMOTIONS), x_max, (0, 1), "Mean emotion curves", "Mean probability", regions=regions
        ),
        "groups": charts.line_chart(
            lines(GROUP_KEYS), x_max, (0, 1), "Mean group curves", "Mean probability", regions=regions
        ),
        "share": charts.stacked_area_chart(
            np.asarray(ps["seconds"], dtype=float),
            [(g, ps["share_respondents"][g], GROUP_COLORS[g]) for g in GROUPS],
            x_max,
            "Share of respondents by dominant group",
            "Respondents",
            regions=regions,
        ),
        "attention": charts.line_chart(
            [
                charts.Series(
                    "respondents attentive",
                    x,
                    np.asarray(ps["attention"]["mean"], dtype=float),
                    ATTENTION_COLOR,
                    band=(
                        np.asarray(ps["attention"]["ci_low"], dtype=float),
                        np.asarray(ps["attention"]["ci_high"], dtype=float),
                    ),
                )
            ],
            x_max,
            (0, 1),
            "Respondents attentive, second by second",
            "Attentive",
            regions=regions,
            markers=[(m["t_s"], ATTENTION_COLOR) for m in data["attention"]["look_aways"]],
            y_format="{:.0%}",
            height=220,
        ),
    }
    context = report_context(data, figs, thumbs, x_max, ad_note if ad_path is None else "")
    target = out_dir / STUDY_FILE
    html.write_atomic(target, html.render("study", context, data))
    log.info("study report written to %s", target)
    return target
