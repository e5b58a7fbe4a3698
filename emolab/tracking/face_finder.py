"""Where are the faces in this frame: a full detection on a schedule, cheap refinement between.

A respondent sits still in front of the camera, so from one frame to the next (33 ms at
30 fps) a face moves a few pixels. Running the whole detector on every frame wastes most of
a 2-core CPU: MTCNN's image pyramid costs tens of milliseconds, while its last network alone,
run on a square around the face's previous box, re-centres the box and re-scores the face in
about a millisecond (:meth:`emolab.detection.mtcnn.MTCNNDetector.refine`).

The full detector still runs:
- when no face is being followed (nothing to refine, or a face was lost: refinement scored
  a followed face below the detector's threshold);
- every ``redetect_s`` seconds, to find faces that entered the frame;
- on every frame for detectors that cannot refine (YuNet, YOLO) or when ``redetect_s`` is 0.
"""

from __future__ import annotations

from emolab.detection.base import Detection, FaceDetector


class FaceFinder:
    """Finds faces with ``detector``, refining followed faces between full detections."""

    def __init__(self, detector: FaceDetector, redetect_s: float, max_faces: int) -> None:
        self.detector = detector
        self.max_faces = max_faces
        self.redetect_ms = redetect_s * 1000.0
        self.refines = detector.can_refine and redetect_s > 0
        self.reset()

    def reset(self) -> None:
        self._faces: list[Detection] = []
        self._last_full_ms: float | None = None

    def find(self, image, t_ms: float) -> tuple[list[Detection], bool]:  # noqa: ANN001 (an image array)
        """Faces in ``image`` at time ``t_ms``, most confident first, and whether a full detection ran."""
        due = self._last_full_ms is None or not (0 <= t_ms - self._last_full_ms < self.redetect_ms)
        if self.refines and self._faces and not due:
            refined = self.detector.refine(image, self._faces)
            if len(refined) == len(self._faces):
                self._faces = refined
                return refined, False
        self._faces = self.detector.detect(image)[: self.max_faces]
        self._last_full_ms = t_ms
        return self._faces, True
