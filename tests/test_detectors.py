"""Face detectors with real models: MTCNN on a real photo, a tiny YOLO built from config, YuNet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolab.detection import create_detector, select_detector_card
from emolab.errors import ModelError, UnknownModelError
from tests.conftest import VIDEOS, YUNET, need_shared


def _check_well_formed(faces, image):  # noqa: ANN001
    h, w = image.shape[:2]
    for f in faces:
        x1, y1, x2, y2 = f.box
        assert -1 <= x1 < x2 <= w + 1 and -1 <= y1 < y2 <= h + 1
        assert 0 <= f.score <= 1
        if f.landmarks is not None:
            assert f.landmarks.shape == (5, 2)


def test_mtcnn_finds_the_astronaut(settings, astronaut_bgr):
    detector = create_detector("mtcnn", settings)
    faces = detector.detect(astronaut_bgr)
    assert len(faces) == 1
    _check_well_formed(faces, astronaut_bgr)
    x1, y1, x2, y2 = faces[0].box
    # Eileen Collins' face sits around x 180..270, y 60..170 in skimage's 512x512 photo.
    assert 150 < (x1 + x2) / 2 < 300 and 60 < (y1 + y2) / 2 < 180
    left_eye, right_eye = faces[0].landmarks[0], faces[0].landmarks[1]
    assert left_eye[0] < right_eye[0], "landmarks start with the eye on the image's left"


def test_mtcnn_finds_nothing_in_a_blank_frame(settings):
    detector = create_detector("mtcnn", settings)
    assert detector.detect(np.full((360, 640, 3), 127, np.uint8)) == []


def test_auto_picks_mtcnn_on_a_fresh_install(settings):
    card, why = select_detector_card("auto", settings)
    assert card.backend == "mtcnn" and "auto" in why


@pytest.fixture(scope="module")
def tiny_yolo(tmp_path_factory) -> Path:
    """A YOLOv8n built from its config with random weights, saved as an ultralytics .pt."""
    from ultralytics import YOLO

    model = YOLO("yolov8n.yaml")  # built from the config shipped in the package: no download
    path = tmp_path_factory.mktemp("yolo") / "tiny_face.pt"
    model.save(str(path))
    (path.with_suffix(".json")).write_text(
        '{"name": "tiny-yolo", "task": "detector", "backend": "yolo", "file": "tiny_face.pt", '
        '"input": {"imgsz": 160, "pad_px": 5}}'
    )
    return path


def test_tiny_yolo_loads_through_the_yolo_backend(settings, tiny_yolo, astronaut_bgr):
    detector = create_detector(str(tiny_yolo), settings.replace(detect_threshold=1e-4, min_face_px=1))
    assert detector.name == "yolo"
    faces = detector.detect(astronaut_bgr)
    # Random weights find random boxes at this threshold; what matters is that they come back
    # as scored boxes inside this image, most confident first.
    assert faces, "an untrained YOLO still proposes low-confidence boxes"
    _check_well_formed(faces, astronaut_bgr)
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)


def test_yunet_with_reference_model(settings):
    need_shared(YUNET)
    import cv2

    detector = create_detector(str(YUNET), settings)
    image = cv2.imread(str(need_shared(VIDEOS / "single_face.jpg")))
    faces = detector.detect(image)
    assert len(faces) == 1
    _check_well_formed(faces, image)
    assert faces[0].landmarks[0][0] < faces[0].landmarks[1][0]


def test_unknown_detector_name_is_a_clear_error(settings):
    with pytest.raises(UnknownModelError, match="unknown face detector 'retinaface'.*mtcnn"):
        create_detector("retinaface", settings)


def test_missing_prototype_yolo_names_the_file_to_place(settings):
    with pytest.raises(ModelError, match="face_detector_yolov8n.pt"):
        create_detector("yolo", settings)


def test_unreadable_yolo_file_is_a_model_error(settings, tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"this is not a torch file")
    bad.with_suffix(".json").write_text('{"name": "b", "task": "detector", "backend": "yolo", "file": "broken.pt"}')
    with pytest.raises(ModelError, match="broken.pt"):
        create_detector(str(bad), settings)


def test_onnx_mtcnn_reproduces_facenet_pytorch(settings, astronaut_bgr):
    """The ONNX port finds the same face, box and landmarks as facenet-pytorch's MTCNN."""
    from emolab.tracking import iou

    onnx = create_detector("mtcnn", settings).detect(astronaut_bgr)
    torch_ = create_detector("mtcnn-torch", settings).detect(astronaut_bgr)
    assert len(onnx) == len(torch_) == 1
    assert iou(onnx[0].box, torch_[0].box) > 0.99
    assert onnx[0].score == pytest.approx(torch_[0].score, abs=1e-3)
    np.testing.assert_allclose(onnx[0].landmarks, torch_[0].landmarks, atol=1.0)


def test_refine_follows_a_moving_face_and_drops_a_vanished_one(settings, astronaut_bgr):
    from emolab.tracking import iou

    detector = create_detector("mtcnn", settings)
    face = detector.detect(astronaut_bgr)[0]
    moved = np.roll(astronaut_bgr, (6, 9), axis=(0, 1))  # the face moved 9 px right, 6 px down
    refined = detector.refine(moved, [face])
    assert len(refined) == 1
    truth = detector.detect(moved)[0]
    assert iou(refined[0].box, truth.box) > 0.85
    assert iou(refined[0].box, truth.box) > iou(face.box, truth.box), "refinement moved the box with the face"
    assert detector.refine(np.full_like(astronaut_bgr, 127), [face]) == [], "no face there any more"


def test_face_finder_detects_on_schedule_and_refines_between(settings, astronaut_bgr):
    from emolab.tracking.face_finder import FaceFinder

    detector = create_detector("mtcnn", settings)
    finder = FaceFinder(detector, redetect_s=0.5, max_faces=4)
    runs = [finder.find(astronaut_bgr, t)[1] for t in (0, 33, 66, 100, 533, 566)]
    assert runs == [True, False, False, False, True, False], "full detection at 0 s and after 0.5 s only"
    blank = np.full_like(astronaut_bgr, 127)
    faces, full = finder.find(blank, 600)
    assert full and faces == [], "a lost face makes the full detector run at once"
    assert finder.find(blank, 633)[1], "with nothing to follow, every frame gets a full detection"
    every = FaceFinder(detector, redetect_s=0.0, max_faces=4)
    assert all(every.find(astronaut_bgr, t)[1] for t in (0, 33, 66)), "redetect_s 0: full detection every frame"
    # A detector that cannot refine (facenet-pytorch's MTCNN) runs in full on every frame.
    torch_mtcnn = create_detector("mtcnn-torch", settings)
    assert detector.can_refine and not torch_mtcnn.can_refine
    with pytest.raises(NotImplementedError, match="mtcnn-torch"):
        torch_mtcnn.refine(astronaut_bgr, [])
    plain = FaceFinder(torch_mtcnn, redetect_s=0.5, max_faces=4)
    assert all(plain.find(astronaut_bgr, t)[1] for t in (0, 33, 66)), "no refine: full detection every frame"
