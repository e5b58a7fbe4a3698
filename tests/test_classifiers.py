"""Emotion classifiers: the prototype's InceptionResnetV1 recipe, ONNX by model card, bad files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from emolab.classification import create_classifier, select_classifier_card
from emolab.classification.preprocess import crop_box
from emolab.classification.resnet import build_inception_resnet
from emolab.detection.base import Detection
from emolab.emotions import EMOTIONS
from emolab.errors import ModelError, UnknownModelError
from tests.conftest import ZOO_FER, need_shared

ALPHABETICAL = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


@pytest.fixture(scope="module")
def resnet_model():
    torch.manual_seed(0)
    model = build_inception_resnet(7).eval()
    # Random heads give near-uniform outputs; sharpen them so the reorder check is meaningful.
    with torch.no_grad():
        model.logits.weight.mul_(50.0)
    return model


def _prototype_reference(model, image_bgr, box):  # noqa: ANN001, ANN202
    """The prototype's preprocessing, written out independently of emolab's backend."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)[y1:y2, x1:x2]
    face = cv2.resize(gray, (100, 100), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    x = torch.from_numpy(((face - 0.5) / 0.5)[None, None].repeat(3, axis=1))
    with torch.no_grad():
        return torch.softmax(model(x), dim=1).numpy()[0]


def _resnet_card(folder: Path, file: str) -> None:
    card = json.loads((Path(__file__).resolve().parents[1] / "models" / "emotion_classifier_resnet.json").read_text())
    card["file"] = file
    (folder / (Path(file).stem + ".json")).write_text(json.dumps(card))


def test_resnet_state_dict_honours_prototype_preprocessing_and_order(settings, tmp_path, resnet_model, astronaut_bgr):
    path = tmp_path / "emotion_classifier_resnet.pt"
    torch.save(resnet_model.state_dict(), path)
    _resnet_card(tmp_path, path.name)
    clf = create_classifier(str(path), settings)
    box = (176.0, 56.0, 272.0, 176.0)
    probs = clf.predict(astronaut_bgr, [Detection(box=box, score=1.0)])[0]
    expected_alpha = _prototype_reference(resnet_model, astronaut_bgr, box)
    # Canonical position i holds the alphabetical output of the same emotion name.
    for i, emotion in enumerate(EMOTIONS):
        assert probs[i] == pytest.approx(expected_alpha[ALPHABETICAL.index(emotion)], abs=0.03)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert EMOTIONS[int(np.argmax(probs))] == ALPHABETICAL[int(np.argmax(expected_alpha))]


def test_pickled_module_needs_the_trust_option(settings, tmp_path, resnet_model, astronaut_bgr):
    path = tmp_path / "emotion_classifier_resnet.pkl"
    torch.save(resnet_model, path)  # a whole pickled module, as the prototype shipped it
    _resnet_card(tmp_path, path.name)
    with pytest.raises(ModelError, match="pickled.*trust"):
        create_classifier(str(path), settings)
    clf = create_classifier(str(path), settings.replace(trust_pickles=True))
    probs = clf.predict(astronaut_bgr, [Detection(box=(176.0, 56.0, 272.0, 176.0), score=1.0)])
    assert probs.shape == (1, 7)


def test_wrong_shaped_state_dict_is_a_model_error(settings, tmp_path):
    path = tmp_path / "emotion_classifier_resnet.pt"
    torch.save({"conv.weight": torch.zeros(3, 3)}, path)
    _resnet_card(tmp_path, path.name)
    with pytest.raises(ModelError, match="not an InceptionResnetV1 state dict"):
        create_classifier(str(path), settings)


def test_unreadable_onnx_is_a_model_error(settings, tmp_path):
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"\x00\x01 not a model")
    path.with_suffix(".json").write_text(
        json.dumps(
            {"name": "g", "task": "classifier", "backend": "onnx", "file": "garbage.onnx", "labels": list(EMOTIONS)}
        )
    )
    with pytest.raises(ModelError, match="garbage.onnx"):
        create_classifier(str(path), settings)


def test_onnx_classifiers_run_without_onnx_runtime(settings, tmp_path, monkeypatch):
    """The onnx backend runs on OpenCV's dnn module: an install without ONNX Runtime still offers it."""
    path = tmp_path / "other.onnx"
    path.write_bytes(b"x")
    path.with_suffix(".json").write_text(
        json.dumps(
            {"name": "o", "task": "classifier", "backend": "onnx", "file": "other.onnx", "labels": list(EMOTIONS)}
        )
    )
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # blocks the import, as a missing package would
    card, _ = select_classifier_card(str(path), settings)
    assert card.backend == "onnx"


def test_model_file_without_card_says_what_to_write(settings, tmp_path):
    path = tmp_path / "mystery.onnx"
    path.write_bytes(b"x")
    with pytest.raises(ModelError, match="no model card.*mystery.json"):
        create_classifier(str(path), settings)


def test_unknown_classifier_name(settings):
    with pytest.raises(UnknownModelError, match="unknown emotion classifier 'vgg-magic'"):
        create_classifier("vgg-magic", settings)


def test_zoo_onnx_through_its_card_finds_the_astronaut_smiling(settings, astronaut_bgr):
    need_shared(ZOO_FER)
    from emolab.detection import create_detector

    faces = create_detector("mtcnn", settings).detect(astronaut_bgr)
    clf = create_classifier(str(ZOO_FER), settings)
    probs = clf.predict(astronaut_bgr, faces)
    assert probs.shape == (1, 7) and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert EMOTIONS[int(np.argmax(probs[0]))] == "happy"


def test_auto_classifier_is_emolabs_own_model(settings):
    card, why = select_classifier_card("auto", settings)
    assert card.name == "emolab-fer-cnn" and card.installed and "auto" in why


def test_auto_classifier_names_the_missing_file(settings, tmp_path):
    card = settings.models_dir / "emolab_fer_cnn.json"
    (tmp_path / card.name).write_text(card.read_text())  # the card without its weights
    with pytest.raises(ModelError, match="emolab_fer_cnn.onnx is missing"):
        select_classifier_card("auto", settings.replace(models_dir=tmp_path))
    with pytest.raises(ModelError, match="no classifier card"):
        select_classifier_card("auto", settings.replace(models_dir=tmp_path / "empty"))


def test_crop_box_keeps_faces_at_the_edge_in_place():
    image = np.zeros((100, 100), np.uint8)
    image[:, :10] = 255  # a bright strip at the left edge
    crop = crop_box(image, (-10.0, 0.0, 30.0, 40.0), 40)
    # Outside pixels replicate the border, so the strip widens instead of shifting right.
    assert crop[20, 0] == 255 and crop[20, 39] == 0
