"""Small engine pieces: settings, emotions, tracking and smoothing, frame rates, prefetching, the no-Qt contract."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from emolab.capture.prefetch import Prefetcher
from emolab.capture.sources import Frame, FrameSource, VideoFileSource
from emolab.detection.base import Detection
from emolab.emotions import EMOTIONS, group_probabilities, reorder_index
from emolab.errors import SettingsError, SourceEnded, SourceError
from emolab.media import frame_index_at, grab_frames, probe_ad, read_frame_at
from emolab.settings import Settings
from emolab.tracking import ViewerTracker


def test_settings_reject_unknown_keys_and_bad_values(tmp_path):
    with pytest.raises(SettingsError, match="unknown setting.*detecter"):
        Settings.from_mapping({"detecter": "mtcnn"})
    with pytest.raises(SettingsError, match="emonps_k must be between 0.2 and 1"):
        Settings(emonps_k=3.0)
    s = Settings.load(environ={"EMOLAB_EMONPS_K": "0.7", "EMOLAB_TRUST_PICKLES": "yes"})
    assert s.emonps_k == 0.7 and s.trust_pickles is True
    with pytest.raises(SettingsError, match="max_faces expects a int"):
        Settings.load(environ={"EMOLAB_MAX_FACES": "many"})
    with pytest.raises(SettingsError, match=r"attention_pitch_deg must be in \(0, 90\] degrees"):
        Settings(attention_pitch_deg=0.0)
    s = Settings.load(environ={"EMOLAB_ATTENTION_YAW_DEG": "30", "EMOLAB_ATTENTIVE_ONLY": "1"})
    assert s.attention_yaw_deg == 30.0 and s.attentive_only is True and Settings().attentive_only is False


def test_alphabetical_outputs_reorder_to_canonical():
    alphabetical = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    probs = np.arange(7, dtype=float)  # index = alphabetical position
    canonical = probs[reorder_index(alphabetical)]
    assert [alphabetical[int(i)] for i in canonical] == list(EMOTIONS)
    assert group_probabilities(np.eye(7)[EMOTIONS.index("surprise")]).tolist() == [1.0, 0.0, 0.0]


def _det(x: float) -> Detection:
    return Detection(box=(x, 10.0, x + 50.0, 60.0), score=0.9)


def test_tracker_keeps_ids_and_smooths_without_flicker():
    tracker = ViewerTracker(smoothing_s=0.3, timeout_s=1.0)
    happy, sad = np.eye(7)[3], np.eye(7)[4]
    ids = []
    smoothed_labels = []
    for i in range(10):
        # Two viewers; the left one has a one-frame "sad" blip in the middle.
        probs = np.stack([sad if i == 5 else happy, sad])
        out = tracker.update([_det(10 + i), _det(200 - i)], probs, t_ms=i * 33.0)
        ids.append([vid for vid, _ in out])
        smoothed_labels.append(EMOTIONS[int(np.argmax(out[0][1]))])
    assert all(pair == [1, 2] for pair in ids)
    assert smoothed_labels[5] == "happy", "a single-frame blip does not flip the smoothed label"
    # After the timeout a returning face is a new viewer.
    out = tracker.update([_det(10)], np.stack([happy]), t_ms=10 * 33.0 + 2000.0)
    assert out[0][0] == 3


def test_engine_imports_no_qt():
    code = (
        "import sys, emolab.pipeline, emolab.analysis, emolab.session, emolab.capture, emolab.media, "
        "emolab.cli.analyze, emolab.demo\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph')]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ad_clock_never_runs_backwards_and_stops_at_the_end():
    from emolab.adclock import AdClock

    clock = AdClock()
    clock.start(0.0, at=100.0)
    clock.update(0.0, playing=True, at=100.0, duration_ms=2440.0)
    assert clock.ad_ms_at(101.0) == pytest.approx(1000.0)
    # The player reports 1.95 s at t = 102 s although 2.0 s have passed: the clock holds at
    # 2.0 s until the player gets there, then follows the player again.
    clock.update(1950.0, playing=True, at=102.0)
    assert clock.ad_ms_at(102.0) == pytest.approx(2000.0)
    assert clock.ad_ms_at(102.03) == pytest.approx(2000.0)
    assert clock.ad_ms_at(102.2) == pytest.approx(2150.0)
    assert clock.ad_ms_at(103.0) == pytest.approx(2440.0), "extrapolation stops at the ad's duration"
    # A frame captured before the last report is read against the report current then.
    assert clock.ad_ms_at(101.5) == pytest.approx(1500.0)
    clock.update(2440.0, playing=False, at=103.0)  # the player stops at its end
    assert clock.ad_ms_at(104.0) == 2440.0
    # A new showing starts from the beginning: only start() takes the clock back.
    clock.start(-1000.0, at=200.0, limit_ms=0.0)
    assert clock.ad_ms_at(200.5) == pytest.approx(-500.0)
    assert clock.ad_ms_at(202.0) == 0.0, "the calibration countdown stops where the ad begins"


def test_ad_clock_ignores_the_player_rewinding_after_the_end_and_runs_into_post():
    """QMediaPlayer under X11 reports position 0 after EndOfMedia: that is not ad time."""
    from emolab.adclock import AdClock
    from emolab.session.timeline import phase_of

    clock = AdClock()
    clock.start(0.0, at=10.0, limit_ms=0.0)
    clock.update(0.0, playing=True, at=10.0, duration_ms=8000.0)
    clock.update(7960.0, playing=True, at=17.97)
    clock.update(8000.0, playing=True, at=18.0)
    # Before the end is known, a report of 0 is behind the clock: held, not taken.
    clock.update(0.0, playing=False, at=18.001)
    assert clock.ad_ms_at(18.002) == 8000.0
    clock.end(at=18.005)
    clock.update(0.0, playing=False, at=18.006, duration_ms=8000.0)
    clock.update(0.0, playing=False, at=18.1)
    assert clock.ended
    times = np.arange(17.9, 18.6, 0.01)
    stamps = np.array([clock.ad_ms_at(t) for t in times])
    assert np.all(np.diff(stamps) >= 0), "the clock went back"
    assert clock.ad_ms_at(18.3) == pytest.approx(8295.0), "after the end the clock runs on past the duration"
    assert phase_of(clock.ad_ms_at(18.3), 8000.0, 0.0) == "post"
    clock.hold(at=18.5)
    assert clock.ad_ms_at(19.0) == clock.ad_ms_at(18.5) == pytest.approx(8495.0)


def test_ad_clock_pause_and_resume_stay_monotonic():
    from emolab.adclock import AdClock

    clock = AdClock()
    clock.start(0.0, at=0.0)
    clock.update(0.0, playing=True, at=0.0, duration_ms=10_000.0)
    clock.update(2000.0, playing=True, at=2.03)  # the player lags the extrapolation by 30 ms
    clock.update(1990.0, playing=False, at=2.5)  # paused: the player's position is behind the clock
    frozen = clock.ad_ms_at(2.5)
    assert frozen == pytest.approx(2470.0)
    assert clock.ad_ms_at(4.0) == frozen, "ad time ran while paused"
    clock.update(1990.0, playing=True, at=4.0)  # resumed: the player resumes from where it paused
    assert clock.ad_ms_at(4.2) == frozen, "the clock waits for the player instead of going back"
    assert clock.ad_ms_at(5.0) == pytest.approx(2990.0)
    stamps = [clock.ad_ms_at(t) for t in np.arange(0.0, 6.0, 0.005)]
    assert np.all(np.diff(stamps) >= 0)


def test_a_video_with_a_nonsensical_frame_rate_is_read_at_30_fps_everywhere(tmp_path):
    """The report's thumbnail keys (from the session's probed fps) must match the decoded frames."""
    path = tmp_path / "odd.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 0.5, (64, 48))
    for i in range(12):
        writer.write(np.full((48, 64, 3), 20 * i, np.uint8))
    writer.release()
    ad = probe_ad(path)
    assert ad.fps == 30.0 and ad.frame_count == 12
    times = (0.0, 100.0, 200.0)
    frames = grab_frames(path, times, max_side=32)
    assert sorted(frames) == [frame_index_at(t, ad.fps) for t in times] == [0, 3, 6]
    for index, frame in frames.items():
        assert frame.shape == (24, 32, 3) and abs(frame.mean() - 20 * index) < 3
    np.testing.assert_array_equal(read_frame_at(path, 100.0, max_side=32), frames[3])
    with VideoFileSource(path) as source:
        assert source.fps == 30.0


class _NumberedSource(FrameSource):
    """A real frame source of ``n`` numbered frames that then ends, or fails with ``error``."""

    description = "numbered test frames"

    def __init__(self, n: int, error: Exception | None = None) -> None:
        self.n, self.error, self.reads = n, error, 0

    def read(self) -> Frame:
        if self.reads == self.n:
            raise self.error or SourceEnded("no more frames")
        self.reads += 1
        i = self.reads - 1
        return Frame(np.full((4, 4, 3), i % 256, np.uint8), i, 40.0 * i, time.monotonic())


def _decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "emolab-decode"]


def test_prefetcher_keeps_the_order_and_ends_with_the_source():
    frames = list(Prefetcher(_NumberedSource(50), depth=4))
    assert [f.index for f in frames] == list(range(50))
    assert [int(f.image[0, 0, 0]) for f in frames] == list(range(50))
    time.sleep(0.05)
    assert not _decode_threads()


@pytest.mark.parametrize(
    "error, message",
    [(SourceError("camera unplugged"), "camera unplugged"), (RuntimeError("codec broke"), "numbered test frames")],
)
def test_prefetcher_raises_a_decode_error_after_the_frames_before_it(error, message):
    seen = []
    with pytest.raises(SourceError, match=message):
        for frame in Prefetcher(_NumberedSource(5, error), depth=2):
            seen.append(frame.index)
    assert seen == [0, 1, 2, 3, 4]


def test_prefetcher_close_mid_stream_stops_decoding():
    source = _NumberedSource(100_000)
    prefetcher = Prefetcher(source, depth=2)
    frames = iter(prefetcher)
    assert [next(frames).index for _ in range(3)] == [0, 1, 2]
    prefetcher.close()
    assert not _decode_threads()
    reads = source.reads
    assert reads <= 3 + 2 + 1  # taken, queued, one waiting to be queued
    time.sleep(0.2)
    assert source.reads == reads
