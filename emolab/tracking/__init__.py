"""Viewer tracking: stable ids and temporal smoothing."""

from emolab.tracking.tracker import ViewerTracker, iou

__all__ = ["ViewerTracker", "iou"]
