"""Frame capture: cameras, video files standing in for them, and newest-frame grabbing."""

from emolab.capture.latest import LatestFrameGrabber
from emolab.capture.sources import CameraSource, Frame, FrameSource, VideoFileSource, list_cameras, open_source

__all__ = [
    "CameraSource",
    "Frame",
    "FrameSource",
    "LatestFrameGrabber",
    "VideoFileSource",
    "list_cameras",
    "open_source",
]
