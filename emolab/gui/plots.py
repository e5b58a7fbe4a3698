"""Live emotion and attention curves against ad time, drawn only on the GUI thread from a timer.

Results arriving from the worker only append to preallocated numpy ring buffers; a QTimer at
about 25 Hz redraws the curves (``setData`` with clip-to-view and downsampling) and moves the
playhead, so the window stays responsive whatever the camera rate.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from emolab.emotions import EMOTIONS, GROUPS, group_probabilities
from emolab.gui.i18n import emotion_name, group_name
from emolab.gui.qtlog import PYQTGRAPH_DARK_MODE, quiet
from emolab.palette import ATTENTION_COLOR, EMOTION_COLORS, GROUP_COLORS
from emolab.session.metrics import frame_attentive_share

REDRAW_HZ = 25


class RingBuffer:
    """A fixed-capacity buffer of ``(t, values[k])`` rows; the oldest rows are overwritten."""

    def __init__(self, capacity: int, width: int) -> None:
        self.capacity = capacity
        self._t = np.full(capacity, np.nan)
        self._v = np.full((capacity, width), np.nan)
        self._n = 0  # rows ever appended

    def append(self, t: float, values: np.ndarray) -> None:
        i = self._n % self.capacity
        self._t[i] = t
        self._v[i] = values
        self._n += 1

    def clear(self) -> None:
        self._t[:] = np.nan
        self._v[:] = np.nan
        self._n = 0

    def __len__(self) -> int:
        return min(self._n, self.capacity)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Times and values in arrival order (views when the buffer has not wrapped)."""
        if self._n <= self.capacity:
            return self._t[: self._n], self._v[: self._n]
        i = self._n % self.capacity
        return np.roll(self._t, -i), np.roll(self._v, -i, axis=0)


class EmotionCurves(QWidget):
    """Three stacked plots sharing the ad-time axis: the 7 emotions, the 3 groups, and attention.

    Attention is the share of the frame's faces looking at the screen (1: everyone, 0: no one
    or no face), with a gap where it is unknown (a detector without landmarks).

    Args:
        playhead_ms: called at every redraw for the ad position to show (GUI thread).
        capacity: rows kept (one per analysed frame); 30 fps for 20 minutes by default.
    """

    def __init__(
        self, playhead_ms: Callable[[], float | None], capacity: int = 36_000, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._playhead_ms = playhead_ms
        self.emotions = RingBuffer(capacity, len(EMOTIONS))
        self.groups = RingBuffer(capacity, len(GROUPS))
        self.attention = RingBuffer(capacity, 1)
        self._dirty = False
        pg.setConfigOptions(antialias=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        with quiet(PYQTGRAPH_DARK_MODE):
            self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        layout.addWidget(self.view)
        self.emotion_plot = self._make_plot(row=0)
        self.group_plot = self._make_plot(row=1)
        self.group_plot.setXLink(self.emotion_plot)
        self.attention_plot = self._make_plot(row=2)
        self.attention_plot.setXLink(self.emotion_plot)
        self.attention_plot.setLabel("left", self.tr("attentive"))
        self.attention_plot.setYRange(-0.4, 1.4, padding=0.0)  # room for the 0 and 1 tick labels
        self.attention_plot.getAxis("left").setTicks([[(0.0, "0"), (1.0, "1")]])
        self.attention_plot.setMaximumHeight(95)  # one line: leave the height to the emotion curves
        self.attention_plot.setLabel("bottom", self.tr("Ad time (s)"))
        # The legend is the plot's title line: compact, and never drawn over the curves.
        self.emotion_plot.setTitle(
            _legend_html(self.tr("Emotions"), {emotion_name(e): EMOTION_COLORS[e] for e in EMOTIONS}), size="10pt"
        )
        self.group_plot.setTitle(
            _legend_html(self.tr("Groups"), {group_name(g): GROUP_COLORS[g] for g in GROUPS}), size="10pt"
        )
        self.attention_plot.setTitle(
            _legend_html(self.tr("Attention"), {self.tr("looking at the screen"): ATTENTION_COLOR}), size="10pt"
        )
        self.emotion_lines = {
            e: self.emotion_plot.plot(pen=pg.mkPen(EMOTION_COLORS[e], width=2), connect="finite") for e in EMOTIONS
        }
        self.group_lines = {
            g: self.group_plot.plot(pen=pg.mkPen(GROUP_COLORS[g], width=3), connect="finite") for g in GROUPS
        }
        # Steps, not slopes: a frame's attention holds until the next analysed frame.
        self.attention_line = self.attention_plot.plot(
            pen=pg.mkPen(ATTENTION_COLOR, width=2),
            connect="finite",
            stepMode="left",
            fillLevel=0.0,
            brush=_translucent(ATTENTION_COLOR, 60),
        )
        for line in [*self.emotion_lines.values(), *self.group_lines.values(), self.attention_line]:
            line.setClipToView(True)
            line.setDownsampling(auto=True, method="peak")
        self.playheads = []
        for plot in (self.emotion_plot, self.group_plot, self.attention_plot):
            head = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen("#000000", width=1.5))
            plot.addItem(head)
            self.playheads.append(head)
        self.set_time_range(-0.0, 30_000.0)
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REDRAW_HZ)
        self.timer.timeout.connect(self.redraw)

    def _make_plot(self, row: int) -> pg.PlotItem:
        plot = self.view.addPlot(row=row, col=0)
        plot.setYRange(0.0, 1.0, padding=0.02)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setLabel("left", self.tr("probability"))
        return plot

    def set_time_range(self, start_ms: float, end_ms: float) -> None:
        """Show ``start_ms``..``end_ms`` of the ad (calibration is negative)."""
        self.emotion_plot.setXRange(start_ms / 1000.0, max(end_ms, start_ms + 1000.0) / 1000.0, padding=0.01)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.redraw()

    def clear(self) -> None:
        self.emotions.clear()
        self.groups.clear()
        self.attention.clear()
        self._dirty = True
        self.redraw()

    def add(self, ad_ms: float, smoothed: list[np.ndarray], attentive: list[bool | None] | None = None) -> None:
        """Record one analysed frame.

        Args:
            ad_ms: the ad position of the frame.
            smoothed: the viewers' smoothed probabilities (none: a gap in the emotion curves).
            attentive: per viewer, looking at the screen or not (None: pose unknown, counted
                as not attentive); no viewer counts as not attentive. Omitted: the detector
                gives no landmarks, so attention is unknown.
        """
        t = ad_ms / 1000.0
        if smoothed:
            mean = np.mean(np.asarray(smoothed, dtype=np.float64), axis=0)
            self.emotions.append(t, mean)
            self.groups.append(t, group_probabilities(mean))
        else:
            self.emotions.append(t, np.full(len(EMOTIONS), np.nan))
            self.groups.append(t, np.full(len(GROUPS), np.nan))
        self.attention.append(t, np.array([np.nan if attentive is None else frame_attentive_share(attentive)]))
        self._dirty = True

    def redraw(self) -> None:
        """Timer slot: update the curves if new data came, and move the playhead."""
        head = self._playhead_ms()
        if head is not None:
            for line in self.playheads:
                line.setValue(head / 1000.0)
        if not self._dirty:
            return
        self._dirty = False
        for buf, lines in (
            (self.emotions, list(self.emotion_lines.values())),
            (self.groups, list(self.group_lines.values())),
            (self.attention, [self.attention_line]),
        ):
            t, v = buf.data()
            for j, line in enumerate(lines):
                line.setData(t, v[:, j])


def _translucent(color: str, alpha: int) -> object:
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    return c


def _legend_html(title: str, colors: dict[str, str]) -> str:
    """``Title  ━ name  ━ name …`` with each name in its curve's colour."""
    items = "&nbsp;&nbsp;".join(f'<span style="color:{c}">━━&nbsp;{html.escape(n)}</span>' for n, c in colors.items())
    return f'<span style="color:#333"><b>{html.escape(title)}</b></span>&nbsp;&nbsp;&nbsp;{items}'
