"""Every number a comparison of studies states, and its verdict in words.

Variants are compared with the first one (for two, B − A). Three families of tests, each
controlled for false discoveries with Benjamini–Hochberg (q-values):

- **KPIs** (EEI, EmoNPS, attention share, peak positive, key negative moment);
- **seconds**: the positive and negative group curves and the attention curve, second by
  second of ad time, over the seconds every variant runs;
- **scenes**: mean valence of the scenes the cuts share.

A difference is called significant when its q is below :data:`ALPHA`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np

from emolab import __version__
from emolab.compare import stats
from emolab.compare.kpis import KPIS, MEAN_KPIS, PEAK_KPIS, respondent_values, study_kpis
from emolab.compare.studies import PAGE_SCENES, LoadedStudy, find_study_ad, study_scenes
from emolab.errors import EmolabError, StudyError
from emolab.media import frame_index_at, grab_frames, shrink
from emolab.report.adframes import decode_data_uri
from emolab.report.scenes import ANALYSIS_SIDE, MIN_THRESHOLD, Scene
from emolab.report.series import scene_stats

log = logging.getLogger(__name__)

ALPHA = 0.05
MIN_RESPONDENTS = 2
#: Second-by-second tests: the two emotional groups and attention (the seven emotions are
#: drawn, not tested: seven more families of tests would only dilute these).
TESTED_SERIES = ("group_positive", "group_negative", "attention")
#: How the verdict says a variant is higher / lower than the baseline on a tested curve.
SERIES_WORDS = {
    "group_positive": ("{v} holds more positive emotion than {b}", "{v} holds less positive emotion than {b}"),
    "group_negative": ("{v} stirs more negative emotion than {b}", "{v} stirs less negative emotion than {b}"),
    "attention": (
        "{v} keeps more respondents looking at the screen than {b}",
        "{v} loses more respondents' eyes than {b}",
    ),
}
#: Two scenes of different cuts are the same shot when their colour histograms are closer
#: than the smallest change emolab calls a cut between consecutive frames.
SCENE_MATCH_MAX = MIN_THRESHOLD
VARIANT_COLORS = ("#2b5fb4", "#e07b00", "#2e9e5b", "#8e44ad", "#c0392b", "#16a0a8", "#7f6a00", "#555555")
KEYS = "ABCDEFGH"
#: KPIs as a sentence names them.
WORDS = {
    "eei": "EEI",
    "emonps": "EmoNPS",
    "attention": "attention share",
    "peak_positive": "peak positive emotion",
    "peak_negative": "strongest negative moment",
}


def fmt_s(seconds: float) -> str:
    """``m:ss`` of ad time."""
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), digits)


@dataclass
class Variant:
    key: str
    name: str
    study: LoadedStudy
    color: str


def _names(studies: list[LoadedStudy]) -> list[str]:
    """Short unique names: the folder's name, with its parent's where two are alike."""
    names = [s.folder.resolve().name for s in studies]
    if len(set(names)) < len(names):
        names = [f"{s.folder.resolve().parent.name}/{s.folder.resolve().name}" for s in studies]
    if len(set(names)) < len(names):
        names = [f"{n} ({KEYS[i]})" for i, n in enumerate(names)]
    return names


def check_comparable(studies: list[LoadedStudy]) -> None:
    """Refuse what cannot be compared, saying why.

    Raises:
        StudyError: fewer than two studies, the same study twice, or a variant with one respondent.
    """
    if len(studies) < 2:
        raise StudyError("a comparison needs at least two studies (one per ad variant)")
    if len(studies) > len(KEYS):
        raise StudyError(f"at most {len(KEYS)} studies can be compared at once, got {len(studies)}")
    seen: dict[Any, str] = {}
    for s in studies:
        key = tuple(sorted(str(x.folder.resolve()) for x in s.sessions))
        if key in seen:
            raise StudyError(
                f"{s.folder} and {seen[key]} are the same study (the same sessions); compare different ones"
            )
        seen[key] = str(s.folder)
    few = [s for s in studies if len(s.sessions) < MIN_RESPONDENTS]
    if few:
        parts = ", ".join(f"{s.folder} has {len(s.sessions)}" for s in few)
        raise StudyError(
            f"each variant needs at least {MIN_RESPONDENTS} respondents to be compared ({parts}): with one "
            "respondent there is no spread within the variant, so no test or confidence interval can say whether "
            "a difference is more than that one person; add sessions to the study"
        )


def compare_numbers(studies: list[LoadedStudy], seed: int = stats.SEED) -> dict[str, Any]:
    """Compare the studies (the first is the baseline): KPIs, seconds, scenes and a verdict.

    Raises:
        StudyError: see :func:`check_comparable`.
    """
    check_comparable(studies)
    variants = [Variant(KEYS[i], n, s, VARIANT_COLORS[i]) for i, (n, s) in enumerate(zip(_names(studies), studies))]
    durations = [v.study.duration_ms / 1000.0 for v in variants]
    n_secs = [len(v.study.bins[0]["seconds"]) for v in variants]
    same_length = max(durations) - min(durations) < 1e-3
    # Compare whole seconds both ads run (a shorter ad's last part-second would meet a full one).
    common = min(n_secs) if same_length else max(1, int(np.floor(min(durations) + 1e-6)))
    alignment = _alignment(variants, durations, common, same_length)
    kpis = _kpis(variants, common, seed)
    seconds = _seconds(variants, common, seed)
    scenes = _scenes(variants, seed)
    out = {
        "kind": "compare",
        "emolab_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "variants": [
            {
                "key": v.key,
                "name": v.name,
                "folder": str(v.study.folder.resolve()),
                "color": v.color,
                "ad": {k: v.study.ad.get(k) for k in ("file", "sha256", "duration_ms", "fps")},
                "respondents": len(v.study.sessions),
                "usable": sum(bool(r["trustworthy"]) for r in v.study.data["respondents"]),
                "notes": v.study.data["notes"],
            }
            for v in variants
        ],
        "baseline": variants[0].name,
        "alignment": alignment,
        "kpis": kpis,
        "seconds": seconds["rows"],
        "seconds_tested": list(TESTED_SERIES),
        "scenes": scenes,
        "method": _method(variants),
    }
    out["significant_seconds"] = seconds["runs"]
    out["verdict"] = verdict(out, seconds["runs"])
    return out


def _alignment(variants: list[Variant], durations: list[float], common: int, same_length: bool) -> dict[str, Any]:
    left_out = []
    if not same_length:
        for v, d in zip(variants, durations):
            if d > common + 1e-6:
                left_out.append(
                    f"{v.name}'s ad runs {d:.1f} s: its time after {fmt_s(common)} is left out of the second-by-second "
                    f"comparison (the shortest ad ends at {min(durations):.1f} s)."
                )
    same_ad = len({v.study.ad["sha256"] for v in variants}) == 1
    return {
        "same_ad": same_ad,
        "same_length": same_length,
        "durations_s": {v.name: d for v, d in zip(variants, durations)},
        "compared_seconds": common,
        "left_out": left_out,
    }


def _family_q(entries: list[dict[str, Any]]) -> None:
    """Set ``q`` of every entry from its ``p`` (one Benjamini–Hochberg family)."""
    for e, q in zip(entries, stats.bh_qvalues([e["p"] for e in entries])):
        e["q"] = q


def _result_entry(r: stats.TestResult, why: str) -> dict[str, Any]:
    return {
        "diff": _round(r.diff),
        "ci95": [_round(r.ci95[0]), _round(r.ci95[1])] if r.ci95 else None,
        "p": _round(r.p, 8),
        "q": None,
        "test": r.describe(),
        "why": why,
        "n": list(r.n),
    }


def _why(na: int, nb: int) -> str:
    if min(na, nb) < stats.SMALL_N:
        return (
            f"fewer than {stats.SMALL_N} respondents in a variant ({na} and {nb}): with so few, the mean of bounded, "
            "lumpy values is not normally distributed, and a permutation test assumes no distribution"
        )
    return (
        f"at least {stats.SMALL_N} respondents in each variant ({na} and {nb}): their mean is close to normally "
        "distributed, and Welch's t does not assume the variants spread alike"
    )


def _flatten(entry: dict[str, Any], variants: list[Variant]) -> None:
    """Two variants: ``diff``, ``ci95``, ``p``, ``q``, ``test`` at the top (B − A); more: by variant name."""
    against = entry["against_first"]
    for key in ("diff", "ci95", "p", "q", "test", "why"):
        if len(variants) == 2:
            entry[key] = against[variants[1].name][key]
        else:
            entry[key] = {name: c[key] for name, c in against.items()}


def _kpis(variants: list[Variant], common: int, seed: int) -> dict[str, Any]:
    values = [study_kpis(v.study.data, common) for v in variants]
    whole = [study_kpis(v.study.data) for v in variants]
    per = [respondent_values(v.study.data) for v in variants]
    out: dict[str, Any] = {}
    family: list[dict[str, Any]] = []
    for name, kpi in KPIS.items():
        entry: dict[str, Any] = {
            "label": kpi.label,
            "unit": kpi.unit,
            "explain": kpi.explain,
            "values": {v.name: values[i][name] for i, v in enumerate(variants)},
            "against_first": {},
        }
        if name in PEAK_KPIS:
            entry["at_s"] = {v.name: values[i][f"{name}_at_s"] for i, v in enumerate(variants)}
            entry["whole_ad"] = {v.name: whole[i][name] for i, v in enumerate(variants)}
        if name == "peak_negative":
            entry["moments"] = {
                v.name: [
                    {"t_s": m["t_s"], "value": m["value"]}
                    for m in v.study.data["moments"]["group_negative"]
                    if m["t_s"] < common + 1e-9
                ]
                for v in variants
            }
        if name == "usable":
            entry["of"] = {v.name: len(v.study.sessions) for v in variants}
        base = variants[0]
        for i, v in enumerate(variants[1:], start=1):
            if name in MEAN_KPIS:
                r = stats.compare_means(per[0][name], per[i][name], seed=seed)
                na, nb = (int(np.isfinite(x[name]).sum()) for x in (per[0], per[i]))
                c = _result_entry(r, _why(na, nb))
            elif name in PEAK_KPIS:
                series = PEAK_KPIS[name]
                a = base.study.stack(series)[:, :common]
                b = v.study.stack(series)[:, :common]
                diff, ci, p, arrangements, exact = stats.peak_difference(a, b, seed=seed)
                how = "exact" if exact else "random"
                c = {
                    "diff": _round(diff),
                    "ci95": [_round(ci[0]), _round(ci[1])] if ci else None,
                    "p": _round(p, 8),
                    "q": None,
                    "test": f"permutation test of the peak difference ({how}, {arrangements:,} arrangements); "
                    "bootstrap interval",
                    "why": "a peak is the highest second of a mean curve, not a mean: it is tested by shuffling "
                    "respondents between the variants and recomputing both peaks; the interval resamples "
                    "respondents within each variant",
                    "n": [len(a), len(b)],
                }
            else:
                u0, u1 = values[0]["usable"], values[i]["usable"]
                c = {
                    "diff": float(u1 - u0),
                    "ci95": None,
                    "p": None,
                    "q": None,
                    "test": "not tested",
                    "why": "a count of respondents whose data can be trusted describes the studies, not the ads",
                    "n": [len(base.study.sessions), len(v.study.sessions)],
                }
            c["variant"], c["against"] = v.name, base.name
            entry["against_first"][v.name] = c
            if c["p"] is not None:
                family.append(c)
        out[name] = entry
    _family_q(family)
    for entry in out.values():
        _flatten(entry, variants)
    return out


def _seconds(variants: list[Variant], common: int, seed: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [{"second_start": s, "second_end": s + 1} for s in range(common)]
    family: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    per_test: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for series in TESTED_SERIES:
        stacks = [v.study.stack(series)[:, :common] for v in variants]
        ps = [v.study.data["per_second"] for v in variants]
        for s in range(common):
            cell: dict[str, Any] = {"mean": {}, "mean_ci95": {}, "n": {}, "against_first": {}}
            for v, p in zip(variants, ps):
                src = p["attention"] if series == "attention" else None
                if src is not None:
                    m, lo, hi, n = src["mean"][s], src["ci_low"][s], src["ci_high"][s], src["n"][s]
                else:
                    m, lo, hi, n = p["mean"][series][s], p["ci_low"][series][s], p["ci_high"][series][s], None
                cell["mean"][v.name] = _round(m)
                cell["mean_ci95"][v.name] = [_round(lo), _round(hi)] if np.isfinite(lo) else None
                cell["n"][v.name] = int(n) if n is not None else int(np.isfinite(stacks[variants.index(v)][:, s]).sum())
            rows[s][series] = cell
        for i, v in enumerate(variants[1:], start=1):
            results = stats.compare_columns(stacks[0], stacks[i], seed=seed)
            entries = []
            for s, r in enumerate(results):
                c = _result_entry(r, _why(len(stacks[0]), len(stacks[i])))
                c.pop("why")
                rows[s][series]["against_first"][v.name] = c
                entries.append(c)
                if c["p"] is not None:
                    family.append(c)
            per_test[(series, v.name)] = entries
    _family_q(family)
    for row in rows:
        for series in TESTED_SERIES:
            _flatten_cell(row[series], variants)
    for (series, name), entries in per_test.items():
        runs += _significant_runs(entries, series, name)
    return {"rows": rows, "runs": runs}


def _flatten_cell(cell: dict[str, Any], variants: list[Variant]) -> None:
    against = cell["against_first"]
    for key in ("diff", "ci95", "p", "q"):
        cell[key] = against[variants[1].name][key] if len(variants) == 2 else {n: c[key] for n, c in against.items()}


def _significant_runs(entries: list[dict[str, Any]], series: str, name: str) -> list[dict[str, Any]]:
    """Consecutive seconds where the difference is significant in one direction."""
    runs, current = [], None
    for s, e in enumerate(entries):
        sign = 0
        if e["q"] is not None and e["q"] < ALPHA and e["diff"]:
            sign = 1 if e["diff"] > 0 else -1
        if current and sign == current["sign"] and s == current["end_s"]:
            current["end_s"] = s + 1
            current["q_max"] = max(current["q_max"], e["q"])
            current["q_min"] = min(current["q_min"], e["q"])
            current["diffs"].append(e["diff"])
            continue
        if current:
            runs.append(current)
        current = (
            {
                "series": series,
                "variant": name,
                "sign": sign,
                "start_s": s,
                "end_s": s + 1,
                "q_max": e["q"],
                "q_min": e["q"],
                "diffs": [e["diff"]],
            }
            if sign
            else None
        )
    if current:
        runs.append(current)
    for r in runs:
        r["mean_diff"] = float(np.mean(r.pop("diffs")))
    return runs


# ---- scenes ---------------------------------------------------------------------------------
def scene_signatures(study: LoadedStudy, scenes: list[Scene]) -> np.ndarray | None:
    """Each scene's colour histogram: of the study page's thumbnail of it when there is one.

    Else the mean over its frames at a quarter, half and three quarters (decoded from the ad).
    """
    if study.scenes_from == PAGE_SCENES and all(sc.index in study.page_thumbs for sc in scenes):
        try:
            return np.stack([_histogram(decode_data_uri(study.page_thumbs[sc.index])) for sc in scenes])
        except (ValueError, cv2.error) as exc:
            log.warning("cannot read the scene thumbnails of %s: %s", study.folder, exc)
    path, _ = find_study_ad(study)
    if path is None:
        return None
    fps = float(study.ad.get("fps") or 30.0)
    times = [[sc.start_ms + f * (sc.end_ms - sc.start_ms) for f in (0.25, 0.5, 0.75)] for sc in scenes]
    try:
        frames = grab_frames(path, [t for ts in times for t in ts], max_side=ANALYSIS_SIDE)
    except EmolabError as exc:
        log.warning("cannot read %s for scene matching: %s", path, exc)
        return None
    out = []
    for ts in times:
        hists = [_histogram(frames[i]) for i in (frame_index_at(t, fps) for t in ts) if i in frames]
        if not hists:
            return None
        out.append(np.mean(hists, axis=0).astype(np.float32))
    return np.stack(out)


def _soft_axis(values: np.ndarray, bins: int, top: float, circular: bool) -> tuple[np.ndarray, ...]:
    """Each value's two nearest bin centres and their weights (linear interpolation between centres)."""
    pos = values.astype(np.float64) * bins / top - 0.5
    low = np.floor(pos)
    w_high = pos - low
    low = low.astype(np.int64)
    high = low + 1
    if circular:
        low, high = low % bins, high % bins
    else:
        low, high = np.clip(low, 0, bins - 1), np.clip(high, 0, bins - 1)
    return low, high, 1.0 - w_high, w_high


def _histogram(frame: np.ndarray) -> np.ndarray:
    """The bins of the scene cutter's colour histogram (:mod:`emolab.report.scenes`), filled softly.

    Each pixel is shared between the two nearest bins of each channel, so a colour sitting on
    a bin edge (flat graphics, a re-encoded cut shifting it by a level or two) does not flip
    from one bin to the other. Comparing two cuts needs that; cutting one ad into scenes does not.
    """
    hsv = cv2.cvtColor(shrink(frame, ANALYSIS_SIDE), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    h0, h1, hw0, hw1 = _soft_axis(hsv[:, 0], 16, 180.0, circular=True)
    s0, s1, sw0, sw1 = _soft_axis(hsv[:, 1], 8, 256.0, circular=False)
    v0, v1, vw0, vw1 = _soft_axis(hsv[:, 2], 8, 256.0, circular=False)
    hs = np.zeros(16 * 8)
    for h, hw in ((h0, hw0), (h1, hw1)):
        for s, sw in ((s0, sw0), (s1, sw1)):
            np.add.at(hs, h * 8 + s, hw * sw)
    v = np.zeros(8)
    np.add.at(v, v0, vw0)
    np.add.at(v, v1, vw1)
    return (np.concatenate([hs / max(hs.sum(), 1e-9), v / max(v.sum(), 1e-9)]) / 2.0).astype(np.float32)


def match_scenes(base: LoadedStudy, other: LoadedStudy) -> tuple[list[tuple[int, int, float]], str]:
    """Pairs (base scene, other scene, distance) of the same shot in two cuts, and a note when none can be."""
    sa, sb = study_scenes(base), study_scenes(other)
    if not sa or not sb:
        missing = base if not sa else other
        return [], f"scenes of {missing.folder.name} are unknown ({missing.scenes_from or 'no scenes'})"
    if base.ad["sha256"] == other.ad["sha256"] and len(sa) == len(sb):
        return [(i, i, 0.0) for i in range(len(sa))], ""
    ha, hb = scene_signatures(base, sa), scene_signatures(other, sb)
    if ha is None or hb is None:
        missing = base if ha is None else other
        return [], f"the ad of {missing.folder.name} was not found, so its scenes cannot be matched ({missing.ad_note})"
    dist = np.array([[cv2.compareHist(x, y, cv2.HISTCMP_BHATTACHARYYA) for y in hb] for x in ha])
    pairs = []
    for i in range(len(sa)):
        j = int(np.argmin(dist[i]))
        if int(np.argmin(dist[:, j])) == i and dist[i, j] < SCENE_MATCH_MAX:
            pairs.append((i, j, float(dist[i, j])))
    return pairs, ""


def _scene_valence(study: LoadedStudy, scenes: list[Scene]) -> np.ndarray:
    """(respondents, scenes): each respondent's valence in each scene (NaN without a face there)."""
    applied = [bool(r["attentive_only"]["applied"]) for r in study.data["respondents"]]
    out = np.full((len(study.sessions), len(scenes)), np.nan)
    for r, (s, a) in enumerate(zip(study.sessions, applied)):
        for j, cell in enumerate(scene_stats(s.timeline, scenes, attentive_only=a)):
            if cell["valence"] is not None:
                out[r, j] = cell["valence"]
    return out


def _scenes(variants: list[Variant], seed: int) -> dict[str, Any]:
    base = variants[0]
    out: dict[str, Any] = {"pairs": [], "unmatched": {}, "notes": [], "match_max": SCENE_MATCH_MAX}
    base_scenes = study_scenes(base.study)
    family: list[dict[str, Any]] = []
    base_valence = _scene_valence(base.study, base_scenes) if base_scenes else None
    for v in variants[1:]:
        pairs, note = match_scenes(base.study, v.study)
        if note:
            out["notes"].append(f"Scenes of {base.name} and {v.name} are not compared: {note}.")
            continue
        other_scenes = study_scenes(v.study) or []
        valence = _scene_valence(v.study, other_scenes)
        for i, j, d in pairs:
            r = stats.compare_means(base_valence[:, i], valence[:, j], seed=seed)
            c = _result_entry(
                r, _why(int(np.isfinite(base_valence[:, i]).sum()), int(np.isfinite(valence[:, j]).sum()))
            )
            c.update(
                variant=v.name,
                against=base.name,
                distance=round(d, 4),
                scene={base.name: base_scenes[i].to_dict(), v.name: other_scenes[j].to_dict()},
                valence={
                    base.name: _round(np.nanmean(base_valence[:, i]))
                    if np.isfinite(base_valence[:, i]).any()
                    else None,
                    v.name: _round(np.nanmean(valence[:, j])) if np.isfinite(valence[:, j]).any() else None,
                },
            )
            out["pairs"].append(c)
            if c["p"] is not None:
                family.append(c)
        matched_b = {i for i, _, _ in pairs}
        matched_o = {j for _, j, _ in pairs}
        out["unmatched"].setdefault(base.name, set()).update(i for i in range(len(base_scenes)) if i not in matched_b)
        out["unmatched"][v.name] = [other_scenes[j].to_dict() for j in range(len(other_scenes)) if j not in matched_o]
        if not pairs:
            out["notes"].append(
                f"{base.name} and {v.name} share no scene (no two scenes' colours are closer than "
                f"{SCENE_MATCH_MAX}); they are compared by ad time only."
            )
    if base.name in out["unmatched"]:
        out["unmatched"][base.name] = [base_scenes[i].to_dict() for i in sorted(out["unmatched"][base.name])]
    _family_q(family)
    return out


def _method(variants: list[Variant]) -> dict[str, Any]:
    return {
        "alpha": ALPHA,
        "small_n": stats.SMALL_N,
        "permutations": stats.PERMUTATIONS,
        "exact_limit": stats.EXACT_LIMIT,
        "seed": stats.SEED,
        "families": ["kpis", "seconds", "scenes"],
        "baseline": variants[0].name,
    }


# ---- verdict --------------------------------------------------------------------------------
def _fmt_value(name: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    if name == "attention":
        return f"{100 * v:.0f}%"
    if name in PEAK_KPIS:
        return f"{v:.2f}"
    return f"{v:+.0f}"


def signed(v: float, decimals: int, sign: bool = True) -> str:
    """``+3``, ``−0.25`` (a true minus sign); a value that rounds to zero is ``0`` (never ``-0``)."""
    text = f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"
    if float(text) == 0:
        return f"{0:.{decimals}f}"
    return text.replace("-", "−")


def _fmt_diff(name: str, d: float | None, sign: bool = True, unit: bool = True) -> str:
    if d is None:
        return "n/a"
    if name in PEAK_KPIS:
        return signed(d, 2, sign)
    text = signed(100 * d if name == "attention" else d, 0, sign)
    return f"{text} points" if unit else text


def _fmt_ci(name: str, ci: list[float]) -> str:
    return f"{_fmt_diff(name, ci[0], unit=False)} to {_fmt_diff(name, ci[1])}"


def fmt_p(p: float | None, missing: str = "–") -> str:
    """A p- or q-value as reports print it: ``0.03``, ``0.004``, ``< 0.001``."""
    if p is None:
        return missing
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def fmt_pq(letter: str, p: float | None) -> str:
    """``p = 0.03``, ``q < 0.001``."""
    text = fmt_p(p, "n/a")
    return f"{letter} {text}" if text.startswith("<") else f"{letter} = {text}"


def verdict(data: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    """The comparison in plain words: what differs significantly, and what the data cannot tell."""
    variants = data["variants"]
    base = variants[0]
    out = []
    for v in variants[1:]:
        sizes = f"{base['respondents']} and {v['respondents']} respondents"
        found = []
        for name in ("eei", "emonps", "attention", "peak_positive", "peak_negative"):
            c = data["kpis"][name]["against_first"][v["name"]]
            label = WORDS[name]
            if c["q"] is not None and c["q"] < ALPHA and c["diff"]:
                word = "higher" if c["diff"] > 0 else "lower"
                ci = c["ci95"]
                ci_text = f"95% CI {_fmt_ci(name, ci)}; " if ci else ""
                found.append(
                    f"{v['name']}'s {label} is {word} than {base['name']}'s by "
                    f"{_fmt_diff(name, abs(c['diff']), sign=False)} "
                    f"({ci_text}{fmt_pq('p', c['p'])}, {fmt_pq('q', c['q'])})."
                )
        out += found
        flat, details, equal = [], [], []
        for n in ("eei", "emonps", "attention"):
            c = data["kpis"][n]["against_first"][v["name"]]
            if c["q"] is not None and c["q"] < ALPHA and c["diff"]:
                continue
            values = data["kpis"][n]["values"]
            if c["p"] is None and c["diff"] == 0 and values[base["name"]] is not None:
                equal.append(f"{WORDS[n]} is {_fmt_value(n, values[base['name']])} in both, without any spread")
                continue
            flat.append(WORDS[n])
            if c["diff"] is not None:
                details.append(f"{WORDS[n]} {_fmt_diff(n, c['diff'])}, {fmt_pq('p', c['p'])}")
        if flat:
            out.append(
                f"No significant difference in {_join(flat)} between {base['name']} and {v['name']} with {sizes}"
                + (f" ({v['name']} − {base['name']}: {'; '.join(details)})" if details else "")
                + "."
            )
        for e in equal:
            out.append(f"{e[0].upper()}{e[1:]} ({base['name']} and {v['name']}).")
        mine = [r for r in runs if r["variant"] == v["name"]]
        for r in sorted(mine, key=lambda r: (r["start_s"], r["series"])):
            more, less = SERIES_WORDS[r["series"]]
            q = r["q_max"]
            out.append(
                (more if r["sign"] > 0 else less).format(v=v["name"], b=base["name"])
                + f" in {fmt_s(r['start_s'])}–{fmt_s(r['end_s'])} ("
                + (f"q ≤ {fmt_p(q)}" if r["end_s"] - r["start_s"] > 1 else fmt_pq("q", q))
                + ")."
            )
        if not mine:
            out.append(
                f"No second of the positive, negative or attention curves differs significantly between "
                f"{base['name']} and {v['name']} after false-discovery-rate control."
            )
        sig_scenes = [
            p for p in data["scenes"]["pairs"] if p["variant"] == v["name"] and p["q"] is not None and p["q"] < ALPHA
        ]
        for p in sig_scenes:
            sc = p["scene"][v["name"]]
            word = "more positive" if p["diff"] > 0 else "more negative"
            out.append(
                f"The scene at {fmt_s(sc['start_ms'] / 1000)}–{fmt_s(sc['end_ms'] / 1000)} of {v['name']} is felt "
                f"{word} than in {base['name']} (valence {_fmt_diff('eei', p['diff'])}, {fmt_pq('q', p['q'])})."
            )
        if min(base["respondents"], v["respondents"]) < 10 and not found and not mine and not sig_scenes:
            out.append(
                f"With {sizes} only large differences could show: this is no evidence that the cuts work alike. "
                "Screen more respondents to tell them apart."
            )
    out += data["alignment"]["left_out"]
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
