"""Inline SVG charts: no scripts, fonts or images, so a report opens offline anywhere.

Every chart is a string of SVG markup whose x axis is seconds of ad time. Colours come from
:mod:`emolab.palette`, so an emotion looks the same in every chart, table, legend and window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

FONT = "font-family='-apple-system,Segoe UI,Helvetica,Arial,sans-serif'"
MARGIN = {"left": 52, "right": 16, "top": 34, "bottom": 38}


@dataclass
class Series:
    """One line of a chart; NaN values break the line (no face at that time)."""

    name: str
    x: np.ndarray  # seconds of ad time
    y: np.ndarray
    color: str
    css_class: str = ""
    width: float = 2.0
    dashed: bool = False
    band: tuple[np.ndarray, np.ndarray] | None = None  # (low, high), e.g. a 95% CI


@dataclass
class Region:
    """A span of ad time drawn as a shaded background (e.g. a scene)."""

    start_s: float
    end_s: float
    label: str


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


class _Frame:
    """Maps data to pixels for one plot area."""

    def __init__(self, width: int, height: int, x_max: float, y_min: float, y_max: float) -> None:
        self.w, self.h = width, height
        self.x0, self.x1 = MARGIN["left"], width - MARGIN["right"]
        self.y0, self.y1 = height - MARGIN["bottom"], MARGIN["top"]
        self.x_max = max(x_max, 1e-6)
        self.y_min, self.y_max = y_min, y_max if y_max > y_min else y_min + 1.0

    def px(self, x: float) -> float:
        return self.x0 + (self.x1 - self.x0) * x / self.x_max

    def py(self, y: float) -> float:
        return self.y0 - (self.y0 - self.y1) * (y - self.y_min) / (self.y_max - self.y_min)

    def axes(self, x_label: str, y_label: str, y_format: str = "{:g}") -> list[str]:
        out = []
        ystep = _nice_step(self.y_max - self.y_min, 4)
        y = math.ceil(self.y_min / ystep) * ystep
        while y <= self.y_max + 1e-9:
            py = self.py(y)
            out.append(f"<line x1='{self.x0}' x2='{self.x1}' y1='{py:.1f}' y2='{py:.1f}' stroke='#e5e8ec'/>")
            out.append(
                f"<text x='{self.x0 - 6}' y='{py + 4:.1f}' text-anchor='end' font-size='11' fill='#555'>"
                f"{escape(y_format.format(y))}</text>"
            )
            y += ystep
        xstep = _nice_step(self.x_max, 10)
        x = 0.0
        while x <= self.x_max + 1e-9:
            px = self.px(x)
            out.append(f"<line x1='{px:.1f}' x2='{px:.1f}' y1='{self.y0}' y2='{self.y0 + 4}' stroke='#777'/>")
            out.append(
                f"<text x='{px:.1f}' y='{self.y0 + 16}' text-anchor='middle' font-size='11' fill='#555'>"
                f"{_fmt(x)}</text>"
            )
            x += xstep
        out.append(f"<line x1='{self.x0}' x2='{self.x1}' y1='{self.y0}' y2='{self.y0}' stroke='#777'/>")
        out.append(f"<line x1='{self.x0}' x2='{self.x0}' y1='{self.y0}' y2='{self.y1}' stroke='#777'/>")
        out.append(
            f"<text x='{(self.x0 + self.x1) / 2:.1f}' y='{self.h - 6}' text-anchor='middle' font-size='12' "
            f"fill='#333'>{escape(x_label)}</text>"
        )
        cy = (self.y0 + self.y1) / 2
        out.append(
            f"<text x='14' y='{cy:.1f}' text-anchor='middle' font-size='12' fill='#333' "
            f"transform='rotate(-90 14 {cy:.1f})'>{escape(y_label)}</text>"
        )
        return out

    def regions(self, regions: Sequence[Region]) -> list[str]:
        out = []
        for i, r in enumerate(regions):
            a, b = self.px(max(0.0, r.start_s)), self.px(min(self.x_max, r.end_s))
            if i % 2 == 1:
                out.append(
                    f"<rect x='{a:.1f}' y='{self.y1}' width='{max(0.0, b - a):.1f}' "
                    f"height='{self.y0 - self.y1}' fill='#f3f5f8'/>"
                )
            if i > 0:
                out.append(
                    f"<line x1='{a:.1f}' x2='{a:.1f}' y1='{self.y1}' y2='{self.y0}' stroke='#c9ced6' "
                    "stroke-dasharray='3,3'/>"
                )
            if b - a > 14:
                out.append(
                    f"<text x='{(a + b) / 2:.1f}' y='{self.y1 + 11}' text-anchor='middle' font-size='10' "
                    f"fill='#98a0aa'>{escape(r.label)}</text>"
                )
        return out


def _path(frame: _Frame, x: np.ndarray, y: np.ndarray) -> str:
    """An SVG path through the finite points; NaN starts a new sub-path."""
    parts, pen_down = [], False
    for xi, yi in zip(x, y):
        if not (np.isfinite(xi) and np.isfinite(yi)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{frame.px(float(xi)):.1f},{frame.py(float(yi)):.1f}")
        pen_down = True
    return "".join(parts)


def _isolated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = np.isfinite(np.asarray(x, dtype=float)) & np.isfinite(np.asarray(y, dtype=float))
    before = np.concatenate([[False], ok[:-1]])
    after = np.concatenate([ok[1:], [False]])
    return ok & ~before & ~after


def _band(frame: _Frame, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str) -> str:
    """Filled polygons between ``lo`` and ``hi`` for each finite run."""
    ok = np.isfinite(x) & np.isfinite(lo) & np.isfinite(hi)
    out, i = [], 0
    while i < len(x):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j < len(x) and ok[j]:
            j += 1
        top = [f"{frame.px(float(x[k])):.1f},{frame.py(float(hi[k])):.1f}" for k in range(i, j)]
        bot = [f"{frame.px(float(x[k])):.1f},{frame.py(float(lo[k])):.1f}" for k in range(j - 1, i - 1, -1)]
        out.append(f"<polygon points='{' '.join(top + bot)}' fill='{color}' fill-opacity='0.16' stroke='none'/>")
        i = j
    return "".join(out)


def _legend(frame: _Frame, items: Sequence[tuple[str, str]], dashed: Sequence[bool] = ()) -> list[str]:
    out, x = [], float(frame.x0)
    for i, (name, color) in enumerate(items):
        dash = " stroke-dasharray='4,3'" if i < len(dashed) and dashed[i] else ""
        out.append(f"<line x1='{x:.1f}' x2='{x + 18:.1f}' y1='12' y2='12' stroke='{color}' stroke-width='3'{dash}/>")
        out.append(f"<text x='{x + 23:.1f}' y='16' font-size='12' fill='#333'>{escape(name)}</text>")
        x += 32 + 7.0 * len(name)
    return out


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' "
        f"role='img' aria-label='{escape(title)}' {FONT}><title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def line_chart(
    series: Sequence[Series],
    x_max_s: float,
    y_range: tuple[float, float],
    title: str,
    y_label: str,
    regions: Sequence[Region] = (),
    markers: Sequence[tuple[float, str]] = (),
    y_format: str = "{:g}",
    width: int = 960,
    height: int = 280,
    legend: bool = True,
    spans: Sequence[tuple[float, float, str]] = (),
) -> str:
    """Lines (with optional bands) against seconds of ad time.

    Args:
        series: the lines; those whose ``css_class`` is set can be hidden by the page's CSS.
        x_max_s: the ad's duration in seconds (the x axis spans 0..x_max_s).
        y_range: (min, max) of the y axis.
        title: accessible title of the chart.
        y_label: y axis label.
        regions: shaded spans (scenes) behind the lines.
        markers: (second, colour) dots on the x axis, e.g. key moments.
        y_format: format of y tick labels.
        width: view-box width in px (the chart scales to its container).
        height: view-box height in px.
        legend: draw a legend of the series (one entry per name) above the plot.
        spans: (start s, end s, colour) stretches of ad time to highlight behind the lines
            (e.g. seconds where a difference is significant).
    """
    f = _Frame(width, height, x_max_s, *y_range)
    body = f.regions(regions)
    for start, end, color in spans:
        a, b = f.px(max(0.0, start)), f.px(min(f.x_max, end))
        body.append(
            f"<rect class='span' x='{a:.1f}' y='{f.y1}' width='{max(0.0, b - a):.1f}' height='{f.y0 - f.y1}' "
            f"fill='{color}' fill-opacity='0.18'/>"
        )
    body += f.axes("Ad time (s)", y_label, y_format)
    for s in series:
        if s.band is not None:
            body.append(f"<g class='{s.css_class}'>{_band(f, s.x, s.band[0], s.band[1], s.color)}</g>")
    for s in series:
        dash = " stroke-dasharray='5,4'" if s.dashed else ""
        cls = f" class='{s.css_class}'" if s.css_class else ""
        body.append(
            f"<path{cls} d='{_path(f, s.x, s.y)}' fill='none' stroke='{s.color}' "
            f"stroke-width='{s.width}' stroke-linejoin='round'{dash}><title>{escape(s.name)}</title></path>"
        )
        alone = _isolated(s.x, s.y)  # a point with no finite neighbour draws no line: show a dot
        for i in np.flatnonzero(alone):
            body.append(
                f"<circle{cls} cx='{f.px(float(s.x[i])):.1f}' cy='{f.py(float(s.y[i])):.1f}' "
                f"r='{s.width + 0.5}' fill='{s.color}'/>"
            )
    for t, color in markers:
        body.append(f"<circle cx='{f.px(t):.1f}' cy='{f.y0}' r='4' fill='{color}' stroke='white'/>")
    if legend:
        seen: dict[str, tuple[str, bool]] = {}
        for s in series:
            if not s.css_class:
                seen.setdefault(s.name, (s.color, s.dashed))
        body += _legend(f, [(n, c) for n, (c, _) in seen.items()], [d for _, d in seen.values()])
    return _svg(width, height, body, title)


def stacked_area_chart(
    x: np.ndarray,
    layers: Sequence[tuple[str, np.ndarray, str]],
    x_max_s: float,
    title: str,
    y_label: str,
    regions: Sequence[Region] = (),
    width: int = 960,
    height: int = 260,
) -> str:
    """Stacked shares (0..1) per second, drawn as steps: ``layers`` are (name, values, colour)."""
    f = _Frame(width, height, x_max_s, 0.0, 1.0)
    body = f.regions(regions) + f.axes("Ad time (s)", y_label, "{:.0%}")
    base = np.zeros(len(x))
    step = float(np.median(np.diff(x))) if len(x) > 1 else 1.0
    for name, values, color in layers:
        v = np.nan_to_num(np.asarray(values, dtype=float))
        for i, xi in enumerate(x):
            if v[i] <= 0:
                continue
            a, b = f.px(float(xi)), f.px(min(x_max_s, float(xi) + step))
            top, bottom = f.py(base[i] + v[i]), f.py(base[i])
            body.append(
                f"<rect x='{a:.1f}' y='{top:.1f}' width='{max(0.5, b - a - 0.5):.1f}' "
                f"height='{bottom - top:.1f}' fill='{color}' fill-opacity='0.85'>"
                f"<title>{escape(name)} {xi:g}-{xi + step:g} s: {v[i]:.0%}</title></rect>"
            )
        base = base + v
    body += _legend(f, [(n, c) for n, _, c in layers])
    return _svg(width, height, body, title)


def bar_chart(items: Sequence[tuple[str, float, str]], title: str, width: int = 460, bar_h: int = 22) -> str:
    """Horizontal bars of shares (0..1), labelled with percentages."""
    label_w, right = 84, 56
    height = 10 + bar_h * len(items) + 6
    body = []
    for i, (name, value, color) in enumerate(items):
        y = 8 + i * bar_h
        w = (width - label_w - right) * max(0.0, min(1.0, value))
        body.append(
            f"<text x='{label_w - 8}' y='{y + bar_h * 0.68:.1f}' text-anchor='end' font-size='12' "
            f"fill='#333'>{escape(name)}</text>"
        )
        body.append(
            f"<rect x='{label_w}' y='{y + 3}' width='{width - label_w - right}' height='{bar_h - 7}' "
            "fill='#f0f2f5' rx='3'/>"
        )
        body.append(f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{bar_h - 7}' fill='{color}' rx='3'/>")
        body.append(
            f"<text x='{label_w + w + 6:.1f}' y='{y + bar_h * 0.68:.1f}' font-size='12' fill='#333'>{value:.1%}</text>"
        )
    return _svg(width, height, body, title)
