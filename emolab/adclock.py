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
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pos_ms = 0.0
        self._at = time.monotonic()
        self._playing = False
        self._rate = 1.0

    def update(self, position_ms: float, playing: bool, at: float | None = None, rate: float = 1.0) -> None:
        with self._lock:
            self._pos_ms = float(position_ms)
            self._at = time.monotonic() if at is None else at
            self._playing = playing
            self._rate = rate

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    def ad_ms_at(self, monotonic_t: float) -> float:
        with self._lock:
            if not self._playing:
                return self._pos_ms
            return self._pos_ms + (monotonic_t - self._at) * 1000.0 * self._rate
