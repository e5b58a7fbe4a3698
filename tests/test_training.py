"""Training, evaluation and the emolab-cnn backend, run for real on tiny data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from emolab.classification.fer_cnn import FerCnnClassifier
from emolab.cli.main import main
from emolab.detection.base import Detection
from emolab.emotions import EMOTIONS
from emolab.errors import DatasetError, ModelError
from emolab.modelcards import load_card
from emolab.training import datasets
from emolab.training.evaluate import evaluate_dataset, save_confusion_png, write_json
from emolab.training.train import TrainConfig, train

# Folder names as FER2013 spells them (note: no "surprised"/"happiness" aliases here).
FER_CLASSES = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def _face(label: int, seed: int) -> np.ndarray:
    """A 48x48 grey picture whose pattern depends on its class (learnable, not a real face)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 60, (48, 48)).astype(np.uint8)
    cv2.circle(img, (8 + 5 * label, 24), 6, 255, -1)
    return img


def _fer_tree(root: Path, n_train: int = 6, n_val: int = 2, n_test: int = 2) -> Path:
    seed = 0
    for label, name in enumerate(FER_CLASSES):
        canon = EMOTIONS.index(name)
        for split, prefix, n in (
            ("train", "Training", n_train),
            ("test", "PublicTest", n_val),
            ("test", "PrivateTest", n_test),
        ):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                seed += 1
                cv2.imwrite(str(folder / f"{prefix}_{label}{i:03d}.jpg"), _face(canon, seed))
    return root


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One 1-epoch training run, then a resumed second epoch, of a very small CNN."""
    base = tmp_path_factory.mktemp("train")
    data = _fer_tree(base / "fer")
    cfg = TrainConfig(
        data=str(data),
        fmt="auto",
        epochs=1,
        batch_size=8,
        lr=0.02,
        seed=3,
        out=str(base / "run"),
        export=str(base / "models" / "tiny.pt"),
        threads=1,
        precision="fp32",
        widths=(4, 8),
        stage_dropout=(),
        fc_width=16,
        dropout=0.0,
    )
    first = train(cfg)
    history_1 = json.loads((base / "run" / "history.json").read_text())
    cfg.epochs = 2
    second = train(cfg, resume=True)
    return {
        "data": data,
        "run": base / "run",
        "export": Path(cfg.export),
        "first": first,
        "second": second,
        "history_1": history_1,
    }


def test_fer2013_split_tells_public_from_private(tmp_path: Path) -> None:
    root = _fer_tree(tmp_path, n_train=2, n_val=3, n_test=1)
    assert datasets.detect_format(root) == "fer2013"
    val = datasets.list_samples(root, "validation")
    test = datasets.list_samples(root, "test")
    train_ = datasets.list_samples(root, "train")
    assert len(val) == 7 * 3 and all(s.path.name.startswith("PublicTest_") for s in val)
    assert len(test) == 7 and all(s.path.name.startswith("PrivateTest_") for s in test)
    assert len(train_) == 14 and all(s.path.parent.parent.name == "train" for s in train_)
    assert {EMOTIONS[s.label] for s in test} == set(EMOTIONS)
    assert all(EMOTIONS[s.label] == s.path.parent.name for s in val)
    assert datasets.normalize_split("val") == datasets.normalize_split("PublicTest") == "val"


def test_dataset_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="nowhere"):
        datasets.list_samples(tmp_path / "nowhere", "train")
    (tmp_path / "cats").mkdir()
    with pytest.raises(DatasetError, match=str(tmp_path)):
        datasets.list_samples(tmp_path, "train", "folders")
    with pytest.raises(DatasetError, match="split"):
        datasets.normalize_split("holdout")


def test_rafdb_labels_follow_the_dataset_order(tmp_path: Path) -> None:
    aligned = tmp_path / "Image" / "aligned"
    aligned.mkdir(parents=True)
    lines = []
    for raf in range(1, 8):
        for part in ("train", "test"):
            name = f"{part}_{raf:05d}.jpg"
            cv2.imwrite(str(aligned / f"{part}_{raf:05d}_aligned.jpg"), _face(raf - 1, raf))
            lines.append(f"{name} {raf}")
    (tmp_path / "EmoLabel").mkdir()
    (tmp_path / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines) + "\n")
    assert datasets.detect_format(tmp_path) == "rafdb"
    train_ = datasets.list_samples(tmp_path, "train")
    assert [EMOTIONS[s.label] for s in train_] == list(datasets.RAFDB_LABELS)
    assert all(s.path.name.startswith("train_") for s in train_)
    (tmp_path / "EmoLabel" / "list_patition_label.txt").write_text("train_00001.jpg 9\n")
    with pytest.raises(DatasetError, match="list_patition_label"):
        datasets.list_samples(tmp_path, "train")


def test_training_checkpoints_resumes_and_exports(tiny_run: dict) -> None:
    run = tiny_run["run"]
    assert (run / "last.pt").is_file() and (run / "best.pt").is_file()
    assert len(tiny_run["history_1"]["history"]) == 1
    history = json.loads((run / "history.json").read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2]  # resumed, not restarted
    assert all(np.isfinite(h["loss"]) and 0 <= h["val_acc"] <= 1 for h in history)
    assert "test_accuracy" in tiny_run["second"]  # measured once at the end
    card = load_card(tiny_run["export"].with_suffix(".json"))
    assert card.backend == "emolab-cnn" and card.task == "classifier"
    assert card.labels == EMOTIONS
    assert card.input["widths"] == [4, 8] and card.input["size"] == 48 and card.input["head"] == "fc"
    assert "FER2013" in card.license
    # The engine runs the ONNX twin; the PyTorch state dict stays beside it for further training.
    assert card.file == "tiny.onnx" and card.extra["alternate_files"] == ["tiny.pt"]
    assert (tiny_run["export"].parent / "tiny.onnx").is_file()
    # No path of the training machine travels with the card (it is copied into every session).
    text = tiny_run["export"].with_suffix(".json").read_text()
    assert str(tiny_run["export"].parent) not in text and "/tmp" not in text


def test_cli_resume_works_in_a_copied_run_folder_with_moved_data(tiny_run: dict, tmp_path: Path) -> None:
    """--resume uses this command's --data, --out and export, not the paths stored in the checkpoint."""
    run = tmp_path / "copied-run"
    shutil.copytree(tiny_run["run"], run)
    (run / "final_metrics.json").unlink()
    data = tmp_path / "moved-fer"
    shutil.copytree(tiny_run["data"], data)
    original_metrics = (tiny_run["run"] / "final_metrics.json").stat().st_mtime_ns
    original_card = tiny_run["export"].with_suffix(".json").read_text()

    assert main(["train", "--resume", "--data", str(data), "--out", str(run), "--threads", "1"]) == 0
    # The finished run is measured again and exported inside the copy (by default into <out>/export,
    # never the models folder), from the moved data.
    assert json.loads((run / "final_metrics.json").read_text())["epochs_run"] == 2
    exported = run / "export" / "emolab_fer_cnn.json"
    assert (run / "export" / "emolab_fer_cnn.onnx").is_file()
    training = json.loads(exported.read_text())["training"]
    assert training["data"] == "moved-fer" and training["out"] == "copied-run"
    # The original run and its export are untouched.
    assert (tiny_run["run"] / "final_metrics.json").stat().st_mtime_ns == original_metrics
    assert tiny_run["export"].with_suffix(".json").read_text() == original_card


def test_exported_model_runs_in_the_engine_backend(tiny_run: dict) -> None:
    card = load_card(tiny_run["export"].with_suffix(".json"))
    clf = FerCnnClassifier(card, threads=1)
    assert clf.runtime == "onnxruntime"
    frame = np.full((120, 200, 3), 90, np.uint8)
    frame[20:68, 20:68] = _face(3, 99)[..., None]
    frame[40:88, 120:168] = _face(5, 98)[..., None]
    faces = [Detection(box=(20.0, 20.0, 68.0, 68.0), score=0.9), Detection(box=(120.0, 40.0, 168.0, 88.0), score=0.8)]
    probs = clf.predict(frame, faces)
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs >= 0).all()
    # The same weights in eager PyTorch give the same answer: the ONNX export is faithful.
    torch_clf = FerCnnClassifier(card.with_weights(tiny_run["export"]), threads=1)
    assert torch_clf.runtime == "torch"
    np.testing.assert_allclose(torch_clf.predict(frame, faces), probs, atol=1e-5)


def test_evaluate_writes_json_and_png_with_counts(tiny_run: dict, tmp_path: Path) -> None:
    clf = FerCnnClassifier(load_card(tiny_run["export"].with_suffix(".json")), threads=1)
    result = evaluate_dataset(tiny_run["data"], "val", clf)
    assert result.n_images == result.n_faces == 14
    assert sum(map(sum, result.confusion)) == 14
    assert result.support == {e: 2 for e in EMOTIONS}
    assert result.accuracy == pytest.approx(sum(result.confusion[i][i] for i in range(7)) / 14)
    assert result.ms_per_face > 0
    write_json(result, tmp_path / "m.json")
    save_confusion_png(result, tmp_path / "m.png")
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["n_faces"] == 14 and saved["split"] == "val" and saved["labels"] == list(EMOTIONS)
    png = cv2.imread(str(tmp_path / "m.png"))
    assert png is not None and png.shape[0] > 100


def test_bad_model_files_raise_model_error(tiny_run: dict, tmp_path: Path) -> None:
    card_data = json.loads(tiny_run["export"].with_suffix(".json").read_text())
    for name in ("garbage.pt", "garbage.onnx"):
        (tmp_path / name).write_bytes(b"this is not a model file")
        (tmp_path / "garbage.json").write_text(json.dumps({**card_data, "file": name}))
        with pytest.raises(ModelError, match=name):
            FerCnnClassifier(load_card(tmp_path / "garbage.json"))
    wrong = tmp_path / "wrong.pt"
    torch.save({"features.0.weight": torch.zeros(3, 3)}, wrong)
    (tmp_path / "wrong.json").write_text(json.dumps({**card_data, "file": "wrong.pt"}))
    with pytest.raises(ModelError, match="does not fit"):
        FerCnnClassifier(load_card(tmp_path / "wrong.json"))
    # Right file, card claiming other widths: also a shape mismatch.
    other = {**card_data, "input": {**card_data["input"], "widths": [8, 16]}}
    (tmp_path / "tiny.json").write_text(json.dumps({**other, "file": "tiny.pt"}))
    (tmp_path / "tiny.pt").write_bytes(tiny_run["export"].read_bytes())
    with pytest.raises(ModelError, match="does not fit"):
        FerCnnClassifier(load_card(tmp_path / "tiny.json"))
