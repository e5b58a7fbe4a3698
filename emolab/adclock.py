"""Where the ad is at a given moment: the clock every result is stamped with."""

from __future__ import annotations

import bisect
import math
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
