"""Where the ad is at a given moment: the clock every result is stamped with."""

from __future__ import annotations

import threading
import time


class AdClock:
    """Ad playback position, safe to read from any thread.

    The player's owner calls :meth:`update` whenever it learns the position (the GUI does so
    from QMediaPlayer); readers ask :meth:`ad_ms_at` for the position at a capture time,
    extrapolated from the last update while the ad plays. Before the ad starts the position
    is negative (the calibration period counts down to zero).

    Ad time never runs backwards: a player reports its position coarsely, often a little behind
    the extrapolation (and at the end, a duration a little short of where the clock got to), so
    a report up to ``JITTER_MS`` behind where the clock already is keeps the clock there; a
    larger step back is a real jump (a new showing). Extrapolation stops at the ad's duration
    when it is known.
    """

    #: How far behind the clock a player's position report may lag and still count as the same time.
    JITTER_MS = 250.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pos_ms = 0.0
        self._at = time.monotonic()
        self._playing = False
        self._rate = 1.0
        self._duration_ms: float | None = None

    def update(
        self,
        position_ms: float,
        playing: bool,
        at: float | None = None,
        rate: float = 1.0,
        duration_ms: float | None = None,
    ) -> None:
        at = time.monotonic() if at is None else at
        with self._lock:
            position_ms = float(position_ms)
            now = self._extrapolate(at) if self._playing else self._pos_ms
            if now - self.JITTER_MS <= position_ms < now:
                position_ms = now  # a late report of a moment frames were already stamped with
            self._pos_ms = position_ms
            self._at = at
            self._playing = playing
            self._rate = rate
            if duration_ms is not None:  # 0: the player does not know it (yet)
                self._duration_ms = float(duration_ms) if duration_ms > 0 else None

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    def ad_ms_at(self, monotonic_t: float) -> float:
        with self._lock:
            return self._extrapolate(monotonic_t) if self._playing else self._pos_ms

    def _extrapolate(self, monotonic_t: float) -> float:
        t = self._pos_ms + (monotonic_t - self._at) * 1000.0 * self._rate
        if self._duration_ms is not None and self._pos_ms <= self._duration_ms:
            t = min(t, self._duration_ms)
        return t
