"""Where the ad is at a given moment: the clock every result is stamped with."""

from __future__ import annotations

import bisect
import math
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


#: Most pairs a recording's ad clock may hold: a sample per displayed ad frame at 60 fps for
#: an hour, far above any ad, small enough to check and store.
MAX_CLOCK_PAIRS = 216_000


class RecordingClock:
    """Where the ad was at each moment of a recording: ``[recording_ms, ad_ms]`` pairs.

    A respondent's browser records them while it films the respondent (``recording_ms`` on the
    recording's own clock, the timestamps of its frames). Between two pairs the ad position is
    interpolated linearly: samples taken while the ad plays advance together, a pause or
    buffering holds the ad still (two pairs with the same ``ad_ms``), and a seek is two pairs
    with the same ``recording_ms`` (the later one wins from that moment). Before the first
    pair and after the last the ad runs at normal speed, so frames filmed before it started
    get negative ad times and those after its end times past its duration, as with a single
    offset: ``RecordingClock.from_offset(2.0)`` is ``emolab analyze --offset 2``.
    """

    def __init__(self, pairs: list[tuple[float, float]] | tuple[tuple[float, float], ...]) -> None:
        self.pairs = tuple((float(r), float(a)) for r, a in pairs)
        if not self.pairs:
            raise ValueError("a recording clock needs at least one [recording_ms, ad_ms] pair")
        self._rec = [r for r, _ in self.pairs]

    @classmethod
    def from_offset(cls, offset_s: float) -> RecordingClock:
        """The clock of a recording that started ``offset_s`` seconds before the ad and never paused."""
        return cls([(offset_s * 1000.0, 0.0)])

    @classmethod
    def parse(
        cls,
        data: object,
        ad_duration_ms: float | None = None,
        max_recording_ms: float | None = None,
    ) -> RecordingClock:
        """Check ``data`` (decoded JSON) and make a clock of it.

        Raises:
            ValueError: not a list of ``[recording_ms, ad_ms]`` number pairs, too many, recording
                times running backwards or beyond ``max_recording_ms``, ad times outside the ad
                (a second of slack either side), or no pair inside the ad.
        """
        if not isinstance(data, list) or not data:
            raise ValueError("the ad clock must be a non-empty JSON list of [recording_ms, ad_ms] pairs")
        if len(data) > MAX_CLOCK_PAIRS:
            raise ValueError(f"the ad clock has {len(data)} pairs; at most {MAX_CLOCK_PAIRS} are accepted")
        pairs: list[tuple[float, float]] = []
        for i, item in enumerate(data):
            if not (isinstance(item, list | tuple) and len(item) == 2 and all(_is_number(v) for v in item)):
                raise ValueError(f"ad clock item {i} is {str(item)[:40]!r}, not a pair of finite numbers")
            r, a = float(item[0]), float(item[1])
            if r < 0 or (max_recording_ms is not None and r > max_recording_ms):
                limit = f" and {max_recording_ms:.0f}" if max_recording_ms is not None else ""
                raise ValueError(f"ad clock item {i}: recording_ms {r:g} is not between 0{limit}")
            if pairs and r < pairs[-1][0]:
                raise ValueError(f"ad clock item {i}: recording_ms {r:g} runs backwards (after {pairs[-1][0]:g})")
            if ad_duration_ms is not None and not -1000.0 <= a <= ad_duration_ms + 1000.0:
                raise ValueError(f"ad clock item {i}: ad_ms {a:g} is outside the {ad_duration_ms:.0f} ms ad")
            pairs.append((r, a))
        if ad_duration_ms is not None and not any(0.0 <= a <= ad_duration_ms for _, a in pairs):
            raise ValueError("the ad clock never places the ad between its start and its end")
        return cls(pairs)

    def ad_ms(self, recording_ms: float) -> float:
        """The ad's position at ``recording_ms`` on the recording's clock."""
        i = bisect.bisect_right(self._rec, recording_ms)
        if i == 0:
            r0, a0 = self.pairs[0]
            return a0 - (r0 - recording_ms)
        r1, a1 = self.pairs[i - 1]
        if i == len(self.pairs):
            return a1 + (recording_ms - r1)
        r2, a2 = self.pairs[i]
        return a1 + (a2 - a1) * (recording_ms - r1) / (r2 - r1)  # r2 > r1: bisect_right skipped equal times

    def ad_span_ms(self) -> tuple[float, float]:
        """The earliest and latest ad positions the pairs name."""
        ads = [a for _, a in self.pairs]
        return min(ads), max(ads)

    def to_list(self) -> list[list[float]]:
        """The pairs as JSON-ready lists (rounded to a microsecond)."""
        return [[round(r, 3), round(a, 3)] for r, a in self.pairs]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
