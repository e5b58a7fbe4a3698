"""``emolab compare``: the comparison report of two or more studies (``compare.html``, JSON and CSV).

Writes into the output folder:

- ``compare.html``: self-contained (inline SVG, ad thumbnails as data URIs), its numbers
  embedded as JSON like every emolab report;
- ``compare.json``: the same numbers (``variants``, ``kpis``, ``seconds``, ``scenes``, ``verdict``);
- ``compare_variants.csv``, ``compare_kpis.csv``, ``compare_seconds.csv`` and, when the cuts
  share scenes, ``compare_scenes.csv``: the tables, with unique column names (variants are
  named by their letter, A being the baseline; ``compare_variants.csv`` says which is which).

Everything is computed before the first file is written: bad input writes nothing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from emolab.compare.kpis import KPIS, study_kpis
from emolab.compare.numbers import ALPHA, TESTED_SERIES, compare_numbers, fmt_p, fmt_pq, fmt_s, signed
from emolab.compare.studies import PAGE_SCENES, LoadedStudy, find_study_ad, load_study
from emolab.compare.template import COMPARE_TEMPLATE
from emolab.emotions import EMOTIONS, GROUP_KEYS, series_label
from emolab.errors import EmolabError
from emolab.norms.fingerprint import study_fingerprint
from emolab.norms.ranking import norms_context
from emolab.palette import SERIES_COLORS
from emolab.report import charts, html
from emolab.report.adframes import ad_thumbnails
from emolab.report.study import csv_text

log = logging.getLogger(__name__)

PAGE = "compare.html"
JSON_FILE = "compare.json"
VARIANTS_CSV = "compare_variants.csv"
KPIS_CSV = "compare_kpis.csv"
SECONDS_CSV = "compare_seconds.csv"
SCENES_CSV = "compare_scenes.csv"
SERIES_TITLES = {"group_positive": "Positive", "group_negative": "Negative", "attention": "Attention"}


def build_compare_report(
    folders: list[Path],
    out_dir: Path,
    attentive_only: bool | None = None,
    db: Path | None = None,
    category: str | None = None,
) -> Path:
    """Compare the studies in ``folders`` (the first is the baseline) into ``out_dir``; return the page.

    ``db``: the norms library (default: the user's); ``category``: the norms category to rank
    the variants in (default: each study's own category in the norms, else every category).

    Raises:
        StudyError: a folder is not a study, has no respondents, or a variant has one respondent.
        SessionError: a session is damaged.
    """
    studies = [load_study(f, attentive_only) for f in folders]
    data = compare_numbers(studies)
    data["norms"] = {
        v["name"]: norms_context(db, study_kpis(s.data), category, (s.ad["sha256"], study_fingerprint(s.sessions)))
        for v, s in zip(data["variants"], studies)
    }
    thumbs = _scene_thumbs(data, studies[0])
    out_dir = Path(out_dir)
    files = {
        VARIANTS_CSV: variants_csv(data),
        KPIS_CSV: kpis_csv(data),
        SECONDS_CSV: seconds_csv(data),
    }
    if data["scenes"]["pairs"]:
        files[SCENES_CSV] = scenes_csv(data)
    data["exports"] = [JSON_FILE, *files]
    page = html.render_page(COMPARE_TEMPLATE, _context(data, studies, thumbs), data)
    for name, text in files.items():
        html.write_atomic(out_dir / name, text)
    html.write_atomic(out_dir / JSON_FILE, json.dumps(html.clean_json(data), indent=2, ensure_ascii=False) + "\n")
    target = out_dir / PAGE
    html.write_atomic(target, page)
    log.info("comparison written to %s", target)
    return target


def _scene_thumbs(data: dict[str, Any], base: LoadedStudy) -> dict[int, str]:
    """Thumbnails of the baseline's matched scenes, by scene index."""
    pairs = data["scenes"]["pairs"]
    if not pairs:
        return {}
    name = data["variants"][0]["name"]
    scenes = {p["scene"][name]["index"]: p["scene"][name] for p in pairs}
    if base.scenes_from == PAGE_SCENES and all(i in base.page_thumbs for i in scenes):
        return {i: base.page_thumbs[i] for i in scenes}  # the study report's own thumbnails
    fps = float(base.ad.get("fps") or 30.0)
    path, _ = find_study_ad(base)
    if path is None:
        return {}
    times = {i: s["start_ms"] + min(500.0, (s["end_ms"] - s["start_ms"]) / 2) for i, s in scenes.items()}
    try:
        by_frame = ad_thumbnails(path, times.values())
    except EmolabError as exc:
        log.warning("no scene thumbnails: %s", exc)
        return {}
    from emolab.media import frame_index_at

    return {i: by_frame[f] for i, t in times.items() if (f := frame_index_at(t, fps)) in by_frame}


# ---- charts ---------------------------------------------------------------------------------
def _context(data: dict[str, Any], studies: list[LoadedStudy], thumbs: dict[int, str]) -> dict[str, Any]:
    variants = data["variants"]
    x_max = max(data["alignment"]["durations_s"].values())
    common = data["alignment"]["compared_seconds"]
    regions = (
        [charts.Region(0.0, float(common), ""), charts.Region(float(common), x_max, "not compared")]
        if x_max > common + 1e-6
        else []
    )

    def overlay(series: str, title: str, y_label: str, height: int = 240, y_format: str = "{:g}") -> str:
        lines = []
        for v, s in zip(variants, studies):
            ps = s.data["per_second"]
            x = np.asarray(ps["seconds"], dtype=float) + 0.5
            if series == "attention":
                m, lo, hi = ps["attention"]["mean"], ps["attention"]["ci_low"], ps["attention"]["ci_high"]
            else:
                m, lo, hi = ps["mean"][series], ps["ci_low"][series], ps["ci_high"][series]
            lines.append(
                charts.Series(
                    v["name"],
                    x,
                    np.asarray(m, dtype=float),
                    v["color"],
                    band=(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)),
                )
            )
        return charts.line_chart(
            lines, x_max, (0, 1), title, y_label, regions=regions, height=height, y_format=y_format
        )

    def difference(series: str) -> tuple[str, float]:
        lines, spans, top = [], [], 0.05
        x = np.arange(common, dtype=float) + 0.5
        for v in variants[1:]:
            cells = [row[series]["against_first"][v["name"]] for row in data["seconds"]]
            d = np.array([c["diff"] if c["diff"] is not None else np.nan for c in cells], dtype=float)
            lo = np.array([c["ci95"][0] if c["ci95"] else np.nan for c in cells], dtype=float)
            hi = np.array([c["ci95"][1] if c["ci95"] else np.nan for c in cells], dtype=float)
            finite = np.concatenate([lo[np.isfinite(lo)], hi[np.isfinite(hi)], np.abs(d[np.isfinite(d)])])
            if len(finite):
                top = max(top, float(np.abs(finite).max()))
            lines.append(charts.Series(f"{v['name']} − {variants[0]['name']}", x, d, v["color"], band=(lo, hi)))
            spans += [
                (float(s), float(s + 1), v["color"])
                for s, c in enumerate(cells)
                if c["q"] is not None and c["q"] < ALPHA
            ]
        top = min(1.0, float(np.ceil(top * 10.0) / 10.0))
        zero = charts.Series(
            "no difference", np.array([0.0, x_max]), np.zeros(2), "#9aa3ad", css_class="zero", width=1.0, dashed=True
        )
        fmt = "{:+.0%}" if series == "attention" else ("{:+.2f}" if top < 0.35 else "{:+.1f}")
        chart = charts.line_chart(
            [zero, *lines],
            x_max,
            (-top, top),
            f"Difference in {SERIES_TITLES[series].lower()}",
            "Difference",
            regions=regions,
            spans=spans,
            y_format=fmt,
            height=230,
        )
        return chart, top

    figs = {
        "groups": {g: overlay(g, f"Mean {series_label(g)} curves", "Mean probability") for g in GROUP_KEYS},
        "attention": overlay("attention", "Respondents attentive", "Attentive", y_format="{:.0%}"),
        "emotions": {e: overlay(e, f"Mean {e} curves", "Mean probability", height=200) for e in EMOTIONS},
        "diffs": {s: difference(s)[0] for s in TESTED_SERIES},
    }
    from emolab.report.session_report import fmt_time

    return {
        "figs": figs,
        "thumbs": thumbs,
        "kpi_names": list(KPIS),
        "tested": TESTED_SERIES,
        "series_titles": SERIES_TITLES,
        "colors": SERIES_COLORS,
        "emotions": EMOTIONS,
        "group_keys": GROUP_KEYS,
        "label": series_label,
        "fmt_s": fmt_s,
        "fmt_time": fmt_time,
        "fmt_kpi": fmt_kpi,
        "fmt_diff": fmt_diff,
        "fmt_p": fmt_p,
        "fmt_pq": fmt_pq,
        "alpha": ALPHA,
        "significant": lambda c: c is not None and c.get("q") is not None and c["q"] < ALPHA,
        "kpi_sig": {
            name: any(c["q"] is not None and c["q"] < ALPHA for c in k["against_first"].values())
            for name, k in data["kpis"].items()
        },
        "vcolor": {v["name"]: v["color"] for v in variants},
        "test_notes": _test_notes(data),
        "runs": {s: [r for r in data["significant_seconds"] if r["series"] == s] for s in TESTED_SERIES},
    }


def _test_notes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Which test each KPI got and why, KPIs with the same reason together."""
    notes: dict[str, dict[str, Any]] = {}
    for entry in data["kpis"].values():
        for c in entry["against_first"].values():
            note = notes.setdefault(c["why"], {"labels": [], "tests": [], "why": c["why"]})
            if entry["label"] not in note["labels"]:
                note["labels"].append(entry["label"])
            test = c["test"].split(" (df =")[0]  # the degrees of freedom differ by KPI; the table's title has them
            if test not in note["tests"]:
                note["tests"].append(test)
    return list(notes.values())


# ---- formatting (shared by the page and the CSV files) --------------------------------------
def fmt_kpi(name: str, v: float | None) -> str:
    if v is None:
        return "–"
    if name == "attention":
        return f"{100 * v:.0f}%"
    if name in ("peak_positive", "peak_negative"):
        return f"{v:.2f}"
    if name == "usable":
        return f"{v:.0f}"
    return signed(v, 0)


def fmt_diff(name: str, v: float | None) -> str:
    if v is None:
        return "–"
    if name == "attention":
        return f"{signed(100 * v, 0)} pts"
    if name in ("peak_positive", "peak_negative", "group_positive", "group_negative"):
        return signed(v, 2)
    if name == "usable":
        return signed(v, 0)
    return f"{signed(v, 0)} pts"


# ---- CSV ------------------------------------------------------------------------------------
def _csv(header: list[str], rows: list[list[Any]]) -> str:
    if len(set(header)) != len(header):  # a programming error, never the user's
        raise ValueError(f"duplicate CSV columns: {header}")
    return csv_text(header, rows)


def variants_csv(data: dict[str, Any]) -> str:
    header = ["key", "name", "baseline", "folder", "ad_file", "ad_sha256", "ad_duration_s", "respondents", "usable"]
    rows = [
        [
            v["key"],
            v["name"],
            int(i == 0),
            v["folder"],
            v["ad"]["file"],
            v["ad"]["sha256"],
            float(v["ad"]["duration_ms"]) / 1000.0,
            v["respondents"],
            v["usable"],
        ]
        for i, v in enumerate(data["variants"])
    ]
    return _csv(header, rows)


def kpis_csv(data: dict[str, Any]) -> str:
    header = [
        "kpi",
        "label",
        "unit",
        "variant",
        "against",
        "value_variant",
        "value_against",
        "peak_second_variant",
        "peak_second_against",
        "diff",
        "ci95_low",
        "ci95_high",
        "p",
        "q",
        "test",
        "percentile_variant",
        "norms_n_variant",
    ]
    rows = []
    base = data["variants"][0]["name"]
    for name, entry in data["kpis"].items():
        for vname, c in entry["against_first"].items():
            at = entry.get("at_s") or {}
            norms = data["norms"][vname]["kpis"].get(name) or {}
            rows.append(
                [
                    name,
                    entry["label"],
                    entry["unit"],
                    vname,
                    base,
                    entry["values"][vname],
                    entry["values"][base],
                    at.get(vname),
                    at.get(base),
                    c["diff"],
                    c["ci95"][0] if c["ci95"] else None,
                    c["ci95"][1] if c["ci95"] else None,
                    c["p"],
                    c["q"],
                    c["test"],
                    norms.get("percentile"),
                    norms.get("n"),
                ]
            )
    return _csv(header, rows)


def seconds_csv(data: dict[str, Any]) -> str:
    variants = data["variants"]
    base = variants[0]["key"]
    header = ["second_start", "second_end"]
    for series in TESTED_SERIES:
        for v in variants:
            k = v["key"]
            header += [f"{series}_mean_{k}", f"{series}_ci_low_{k}", f"{series}_ci_high_{k}", f"{series}_n_{k}"]
        for v in variants[1:]:
            vs = f"{v['key']}_minus_{base}"
            header += [f"{series}_diff_{vs}", f"{series}_diff_ci_low_{vs}", f"{series}_diff_ci_high_{vs}"]
            header += [f"{series}_p_{vs}", f"{series}_q_{vs}"]
    rows = []
    for row in data["seconds"]:
        out: list[Any] = [row["second_start"], row["second_end"]]
        for series in TESTED_SERIES:
            cell = row[series]
            for v in variants:
                ci = cell["mean_ci95"][v["name"]] or [None, None]
                out += [cell["mean"][v["name"]], ci[0], ci[1], cell["n"][v["name"]]]
            for v in variants[1:]:
                c = cell["against_first"][v["name"]]
                ci = c["ci95"] or [None, None]
                out += [c["diff"], ci[0], ci[1], c["p"], c["q"]]
        rows.append(out)
    return _csv(header, rows)


def scenes_csv(data: dict[str, Any]) -> str:
    header = [
        "variant",
        "against",
        "scene_variant",
        "start_s_variant",
        "end_s_variant",
        "scene_against",
        "start_s_against",
        "end_s_against",
        "colour_distance",
        "valence_variant",
        "valence_against",
        "respondents_variant",
        "respondents_against",
        "diff",
        "ci95_low",
        "ci95_high",
        "p",
        "q",
        "test",
    ]
    rows = []
    for p in data["scenes"]["pairs"]:
        sv, sa = p["scene"][p["variant"]], p["scene"][p["against"]]
        rows.append(
            [
                p["variant"],
                p["against"],
                sv["index"],
                sv["start_ms"] / 1000.0,
                sv["end_ms"] / 1000.0,
                sa["index"],
                sa["start_ms"] / 1000.0,
                sa["end_ms"] / 1000.0,
                p["distance"],
                p["valence"][p["variant"]],
                p["valence"][p["against"]],
                p["n"][1],
                p["n"][0],
                p["diff"],
                p["ci95"][0] if p["ci95"] else None,
                p["ci95"][1] if p["ci95"] else None,
                p["p"],
                p["q"],
                p["test"],
            ]
        )
    return _csv(header, rows)
