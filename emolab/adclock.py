"""Where the ad is at a given moment: the clock every result is stamped with."""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class _Segment:
    """The clock from ``at`` until the next segment: ``max(floor_ms, pos_ms + elapsed)``."""

    at: float  # time.monotonic() the segment starts
    pos_ms: float  # where the player said it was at ``at``
    floor_ms: float  # where the clock already was at ``at``: it never goes below
    running: bool
    rate: float
    limit_ms: float | None  # extrapolation stops here (the ad's end; 0 during calibration)

    def value(self, t: float) -> float:
        pos = self.pos_ms
        if self.running:
            pos += (t - self.at) * 1000.0 * self.rate
            if self.limit_ms is not None and self.pos_ms <= self.limit_ms:
                pos = min(pos, self.limit_ms)
        return max(self.floor_ms, pos)


class AdClock:
    """Ad playback position, safe to read from any thread; monotonic within a playback.

    A playback begins with :meth:`start` (before the ad the position is negative: the
    calibration period counts up to zero) and is the only way the clock goes back. The
    player's owner then reports the player's position with :meth:`update` (the GUI does so
    from QMediaPlayer); readers ask :meth:`ad_ms_at` for the position at a capture time,
    extrapolated from the last report while the ad plays, and never past the ad's duration.

    Players report positions coarsely and sometimes nonsensically: a little behind the
    extrapolation, or back at 0 once the media has ended. A report behind the clock holds the
    clock where it is until the player catches up, so the clock never runs backwards. When the
    player says the ad has ended (:meth:`end`), the clock runs on past the ad's duration
    (frames after the end are "post", not ad time) and ignores the player's reports.

    The position is a function of time: a frame captured before the latest report is read
    against the report that was current when it was captured.
    """

    #: Segments kept for frames read a little after later reports (reports come every few ms).
    HISTORY = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._segments: deque[_Segment] = deque(maxlen=self.HISTORY)
        self._starts: deque[float] = deque(maxlen=self.HISTORY)  # the segments' ``at``, for bisect
        self._ended = False
        self._append(_Segment(time.monotonic(), 0.0, -float("inf"), False, 1.0, None))

    # ---- writers ------------------------------------------------------------------------------------
    def start(
        self, position_ms: float, at: float | None = None, limit_ms: float | None = None, running: bool = True
    ) -> None:
        """Begin a playback at ``position_ms`` (negative: calibration before the ad).

        Args:
            position_ms: where the playback begins.
            at: when (``time.monotonic()``; now by default).
            limit_ms: extrapolation stops here (0 for a calibration countdown; the ad's duration).
            running: whether the clock runs from ``at``.
        """
        at = time.monotonic() if at is None else at
        with self._lock:
            self._segments.clear()
            self._starts.clear()
            self._ended = False
            self._append(_Segment(at, float(position_ms), -float("inf"), running, 1.0, limit_ms))

    def update(
        self,
        position_ms: float,
        playing: bool,
        at: float | None = None,
        rate: float = 1.0,
        duration_ms: float | None = None,
    ) -> None:
        """The player's report: at ``at`` it was at ``position_ms``, playing or not.

        A position behind the clock holds the clock until the player catches up; after
        :meth:`end` reports are ignored. ``duration_ms`` (when given; 0 or less: unknown) is
        where extrapolation stops from now on.
        """
        at = time.monotonic() if at is None else at
        with self._lock:
            if self._ended:
                return  # a finished player reports nonsense (often position 0): it is not ad time
            last = self._segments[-1]
            at = max(at, last.at)
            limit = last.limit_ms
            if duration_ms is not None:
                limit = float(duration_ms) if duration_ms > 0 else None
            self._append(_Segment(at, float(position_ms), last.value(at), playing, rate, limit))

    def end(self, at: float | None = None) -> None:
        """The ad played to its end: from ``at`` the clock runs on past the ad's duration."""
        at = time.monotonic() if at is None else at
        with self._lock:
            if self._ended:
                return
            last = self._segments[-1]
            at = max(at, last.at)
            pos = last.value(at)
            if last.limit_ms is not None and last.limit_ms > 0:
                pos = max(pos, last.limit_ms)  # the player reports the end before the clock got there
            self._ended = True
            self._append(_Segment(at, pos, pos, True, 1.0, None))

    def hold(self, at: float | None = None) -> None:
        """Stop the clock where it is (a screening stopped); :meth:`start` begins the next one."""
        at = time.monotonic() if at is None else at
        with self._lock:
            last = self._segments[-1]
            at = max(at, last.at)
            pos = last.value(at)
            self._append(_Segment(at, pos, pos, False, 1.0, last.limit_ms))

    # ---- readers ------------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        with self._lock:
            return self._segments[-1].running

    @property
    def ended(self) -> bool:
        """Whether the ad played to its end in this playback."""
        with self._lock:
            return self._ended

    def ad_ms_at(self, monotonic_t: float) -> float:
        """The ad position at ``monotonic_t`` (a ``time.monotonic()`` value, e.g. a capture time)."""
        with self._lock:
            i = bisect.bisect_right(self._starts, monotonic_t) - 1
            return self._segments[max(i, 0)].value(monotonic_t)

    def _append(self, segment: _Segment) -> None:
        self._segments.append(segment)
        self._starts.append(segment.at)
