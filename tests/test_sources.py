"""Frame sources: video files standing in for cameras, pacing, newest-frame grabbing, bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emolab.capture import CameraSource, LatestFrameGrabber, VideoFileSource, open_source
from emolab.errors import SourceEnded, SourceError
from emolab.media import probe_ad
from tests.conftest import write_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory):  # noqa: ANN001, ANN201
    frames = [np.full((60, 80, 3), i * 8, np.uint8) for i in range(20)]
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", frames, fps=20.0)


def test_fast_video_gives_every_frame_with_timestamps(clip):
    with VideoFileSource(clip) as src:
        frames = list(src)
    assert [f.index for f in frames] == list(range(20))
    assert [round(f.timestamp_ms) for f in frames[:3]] == [0, 50, 100]
    assert frames[0].size == (80, 60)


def test_looping_stand_in_keeps_its_clock_running(clip):
    with VideoFileSource(clip, loop=True) as src:
        frames = [src.read() for _ in range(45)]
    times = [f.timestamp_ms for f in frames]
    assert times == sorted(times) and times[20] == pytest.approx(1000.0)  # frame 0 again, 1 s later
    assert np.array_equal(frames[20].image, frames[0].image)


def test_paced_video_runs_at_native_rate(clip):
    with VideoFileSource(clip, realtime=True) as src:
        t0 = time.monotonic()
        frames = list(src)
        elapsed = time.monotonic() - t0
    assert len(frames) >= 18
    assert elapsed >= 0.85  # 20 frames at 20 fps take about a second, like a camera


def test_grabber_keeps_only_the_newest_frame_and_counts_drops(clip):
    grabber = LatestFrameGrabber(VideoFileSource(clip, realtime=True)).start()
    taken = []
    try:
        while True:
            frame = grabber.get(timeout=2.0)
            if frame is not None:
                taken.append(frame.index)
                time.sleep(0.12)  # a consumer slower than the camera
    except SourceEnded:
        pass
    finally:
        grabber.stop()
    assert taken == sorted(taken)
    assert grabber.dropped > 0
    assert len(taken) + grabber.dropped == grabber.grabbed


def test_missing_video_names_the_file(tmp_path):
    with pytest.raises(SourceError, match="nothere.mp4 does not exist"):
        VideoFileSource(tmp_path / "nothere.mp4")


def test_text_file_is_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("hello")
    with pytest.raises(SourceError, match="notes.mp4"):
        VideoFileSource(path)


def test_corrupt_video_is_refused(clip, tmp_path):
    data = bytearray(clip.read_bytes())
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data[:200]) + b"\x00" * 5000)
    with pytest.raises(SourceError, match="broken.mp4"):
        VideoFileSource(broken)
    with pytest.raises(SourceError, match="broken.mp4"):
        probe_ad(broken)


def test_unknown_camera_is_a_clear_error():
    with pytest.raises(SourceError, match="camera 57 cannot be opened"):
        CameraSource(57)
    with pytest.raises(SourceError, match="camera 57"):
        open_source("57")


def test_probe_ad_describes_the_file(clip):
    info = probe_ad(clip)
    assert info.file == "clip.mp4" and info.frame_count == 20
    assert info.duration_ms == pytest.approx(1000.0)
    assert len(info.sha256) == 64
