"""HTML rendering of reports (jinja2 templates kept in this module, so nothing else to ship).

A report embeds its numbers as JSON in ``<script type="application/json" id="emolab-data">``
so tools and tests can read exactly what the page states.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from emolab.errors import OutputError
from emolab.outputs import write_failure

DATA_ID = "emolab-data"

CSS = """
:root { --ink:#1d2733; --muted:#6a7580; --line:#e3e7ec; --bg:#f6f7f9; --card:#fff; --accent:#2b5fb4; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.page { max-width: 1040px; margin: 0 auto; padding: 28px 28px 40px; }
header.top { display:flex; justify-content:space-between; align-items:flex-end; gap:24px;
             border-bottom:3px solid var(--ink); padding-bottom:14px; margin-bottom:18px; }
.kicker { text-transform:uppercase; letter-spacing:.12em; font-size:11px; color:var(--muted); font-weight:600; }
h1 { font-size:26px; margin:2px 0 4px; }
h2 { font-size:17px; margin:0 0 10px; }
h3 { font-size:14px; margin:0 0 6px; }
.sub { color:var(--muted); }
.brand { text-align:right; color:var(--muted); font-size:12px; }
.brand b { color:var(--ink); font-size:16px; letter-spacing:.02em; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 20px;
          margin:0 0 16px; break-inside: avoid; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; margin-bottom:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .label { font-size:11px; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); font-weight:600; }
.card .value { font-size:28px; font-weight:700; line-height:1.2; margin:2px 0; }
.card .hint { font-size:12px; color:var(--muted); }
.pos { color:#23834b; } .neg { color:#c23b3b; }
.alert { border-radius:10px; padding:12px 16px; margin-bottom:16px; border:1px solid; }
.alert.bad { background:#fdecec; border-color:#f1b7b7; color:#8a1f1f; }
.alert.note { background:#fff7e6; border-color:#f3d9a4; color:#6b4b00; }
.alert.ok { background:#eaf6ef; border-color:#b9e0c8; color:#1e5e37; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:20px; }
.toggle { float:right; font-size:12px; font-weight:400; color:var(--muted); user-select:none; cursor:pointer; }
.toggle input { vertical-align:middle; margin:0 4px 2px 0; }
.raw { display:none; }
section:has(#show-raw:checked) .raw { display:inline; }
.chart-title { font-size:12px; font-weight:600; color:var(--muted); margin:8px 0 0; }
.explain { background:#f8f9fb; border-left:3px solid var(--accent); padding:10px 14px; margin:8px 0;
           border-radius:0 6px 6px 0; }
.explain p { margin:4px 0; }
.formula { font-family: ui-monospace, Menlo, Consolas, monospace; background:#eef1f5; padding:1px 5px;
           border-radius:4px; }
.chip { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; font-weight:600; }
.moments { display:grid; grid-template-columns: 110px 1fr; gap:10px 14px; align-items:start; }
.moment-row { display:flex; gap:10px; flex-wrap:wrap; }
.moment { width:156px; border:1px solid var(--line); border-radius:8px; overflow:hidden; background:#fff; }
.moment img, .scene-thumb { display:block; width:100%; height:auto; background:#ddd; }
.moment .cap { padding:4px 8px; font-size:12px; display:flex; justify-content:space-between; }
.moment .cap.cause { padding-top:0; color:var(--muted); font-size:11px; }
.none { color:var(--muted); font-size:12px; padding-top:3px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:middle; }
th { font-size:11px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
td.nowrap { white-space:nowrap; }
.scene-thumb { width:120px; border-radius:4px; }
.bar { display:inline-block; height:10px; border-radius:2px; vertical-align:middle; }
footer { color:var(--muted); font-size:12px; margin-top:20px; }
@media print { body { background:#fff; } .page { padding:0; } section, .card { border-color:#ccc; } }
@media (max-width: 760px) { .cards { grid-template-columns:1fr 1fr; } .grid2 { grid-template-columns:1fr; } }
"""


def clean_json(value: Any) -> Any:
    """JSON-safe copy: numpy scalars and arrays to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean_json(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def data_json(data: dict[str, Any]) -> str:
    """The numbers as JSON that is safe inside a ``<script>`` element."""
    return json.dumps(clean_json(data), ensure_ascii=False).replace("</", "<\\/")


def read_data(page: str) -> dict[str, Any]:
    """The ``emolab-data`` JSON embedded in a report page."""
    marker = f'<script type="application/json" id="{DATA_ID}">'
    start = page.index(marker) + len(marker)
    return json.loads(page[start : page.index("</script>", start)].replace("<\\/", "</"))


def _environment():  # noqa: ANN202
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
    return env


def render(kind: str, context: dict[str, Any], data: dict[str, Any]) -> str:
    """Render the ``session`` or ``study`` page with its embedded data."""
    from emolab.report.templates import SESSION_TEMPLATE, STUDY_TEMPLATE

    template = {"session": SESSION_TEMPLATE, "study": STUDY_TEMPLATE}[kind]
    clean = clean_json(data)
    return render_page(template, {**_derived(kind, clean), **context}, clean)


def render_page(template: str, context: dict[str, Any], data: dict[str, Any]) -> str:
    """Render a report ``template`` (jinja2 source) with the shared styles and ``data`` embedded as JSON.

    The page shows the same numbers as the embedded JSON: NaN (no value) becomes None there too,
    so the templates' ``is not none`` checks hold instead of printing "nan%".
    """
    clean = clean_json(data)
    return _environment().from_string(template).render(css=CSS, data_json=data_json(clean), d=clean, **context)


def _derived(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Small display values computed from the data (kept out of the templates' logic)."""
    if kind == "study":
        dates = sorted(str(r["started_at"] or "")[:10] for r in data["respondents"]) or [""]

        def dominant_of(r: dict[str, Any]) -> str | None:
            return max(r["emotion_share"], key=r["emotion_share"].get) if r["eei"] is not None else None

        return {
            "first_date": dates[0],
            "last_date": dates[-1],
            "dominant_of": dominant_of,
            "usable": sum(r["trustworthy"] for r in data["respondents"]),
        }
    summary = data["summary"]
    shares = summary["emotion_share"]
    dominant = max(shares, key=shares.get) if summary["face_frames"] else None
    v = summary["emonps"]["value"]
    verdict = (
        "no viewer seen long enough"
        if v is None
        else "engaged"
        if summary["emonps"]["engaged"] and not summary["emonps"]["critical"]
        else "critical"
        if summary["emonps"]["critical"] and not summary["emonps"]["engaged"]
        else "mixed"
        if summary["emonps"]["engaged"]
        else "silent"
    )
    when = str(data["session"].get("started_at") or "")
    when = when.replace("T", " ")[:16] + (" UTC" if when.endswith(("+00:00", "Z")) else "")
    return {
        "dominant": dominant,
        "verdict": f"{verdict} · K = {summary['emonps']['k']}",
        "when": when,
        "face_rows": data["quality"]["face_rows"],
    }


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` through a temporary file so a crash never leaves half a report."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only file system even this fails
            tmp.unlink(missing_ok=True)
        raise OutputError(write_failure(path.parent, path.name, "pick another folder with --out", exc)) from exc
