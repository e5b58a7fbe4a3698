"""Several datasets at once: source specs, recipes, weighted epochs, hold-outs, the cross-domain
table and calibration — on tiny fixtures built here, trained and measured for real."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from emolab.cli.main import main
from emolab.emotions import EMOTIONS
from emolab.errors import DatasetError, ModelError
from emolab.training import datasets
from emolab.training.calibration import expected_calibration_error, fit_temperature, softmax_t
from emolab.training.recipes import load_recipe
from emolab.training.train import TrainConfig, epoch_order, train
from tests.test_training import _face, _fer_tree

TINY_NET = {"widths": (4, 8), "stage_dropout": (), "fc_width": 16, "dropout": 0.0}


def _folder_tree(root: Path, per_class: dict[str, int], size: tuple[int, int] = (60, 48), seed: int = 100) -> Path:
    """Class folders of non-square colour images (like SFEW's 143x181), ``per_class`` images each."""
    for name, n in per_class.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            face = _face(EMOTIONS.index(name), seed + i)
            h, w = size
            img = np.full((h, w), 30, np.uint8)
            y0, x0 = (h - 48) // 2, (w - 48) // 2
            img[y0 : y0 + 48, x0 : x0 + 48] = face
            cv2.imwrite(str(folder / f"{name}_{i:03d}.jpg"), cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    return root


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sources")
    fer = _fer_tree(base / "fer2013")
    film = base / "film"
    _folder_tree(film / "train", {e: 10 for e in EMOTIONS})
    _folder_tree(film / "val", {e: 3 for e in EMOTIONS}, seed=500)
    photos = _folder_tree(base / "photos", {"happy": 12, "neutral": 12, "sad": 4, "disgust": 2})
    return {"base": base, "fer": fer, "film": film, "photos": photos}


def test_source_specs_parse_and_bad_ones_name_the_problem(tmp_path: Path) -> None:
    s = datasets.parse_source("/data/sfew:labels=auto,weight=0.25,holdout=0.2,name=SFEW")
    assert s.path == Path("/data/sfew") and s.weight == 0.25 and s.holdout == 0.2 and s.title == "SFEW"
    assert datasets.parse_source("/data/fer2013").title == "fer2013"
    # A colon that is part of the path (no key=value after it) stays in the path.
    assert datasets.parse_source("C:/faces").path == Path("C:/faces")
    assert datasets.parse_source({"path": "x", "weight": 2}).weight == 2.0
    for bad, match in (
        ("/d:wieght=1", "unknown option wieght"),
        ("/d:weight=heavy", "could not convert"),
        ("/d:weight=0", "weight must be > 0"),
        ("/d:holdout=1.5", "holdout"),
        ("/d:labels=votes", "labels must be"),
        ("/d:split=val,weight", "expected key=value"),
    ):
        with pytest.raises(DatasetError, match=match):
            datasets.parse_source(bad)
    with pytest.raises(DatasetError, match="unknown option weight"):
        datasets.parse_source("/d:weight=1", allowed=("split", "name"))
    # A command's own defaults fill what the spec leaves out; the spec wins.
    s = datasets.parse_source("/d:split=val", ("split", "labels"), {"split": "test", "labels": "ferplus"})
    assert (s.split, s.labels) == ("val", "ferplus")


def test_holdout_is_stratified_seeded_and_disjoint() -> None:
    y = np.repeat(np.arange(7), [20, 5, 10, 40, 30, 10, 15])
    keep, held = datasets.holdout_split(y, 0.2, seed=0)
    assert len(np.intersect1d(keep, held)) == 0 and len(keep) + len(held) == len(y)
    assert [int((y[held] == c).sum()) for c in range(7)] == [4, 1, 2, 8, 6, 2, 3]
    again_keep, again_held = datasets.holdout_split(y, 0.2, seed=0)
    assert np.array_equal(held, again_held) and np.array_equal(keep, again_keep)
    assert not np.array_equal(held, datasets.holdout_split(y, 0.2, seed=1)[1])


def test_flat_folders_have_a_train_split_only(three_sources: dict) -> None:
    """A flat tree of class folders is training data, never silently its own validation or test."""
    assert datasets.has_split(three_sources["photos"], "train")
    assert not datasets.has_split(three_sources["photos"], "val")
    assert not datasets.has_split(three_sources["photos"], "test")
    assert datasets.has_split(three_sources["film"], "val") and not datasets.has_split(three_sources["film"], "test")
    assert all(datasets.has_split(three_sources["fer"], s) for s in ("train", "val", "test"))


def test_non_square_crops_keep_their_proportions(three_sources: dict) -> None:
    """SFEW-like 48x60 crops: the central square, not a squashed face."""
    samples = datasets.list_samples(three_sources["film"], "train", "folders")[:1]
    img = datasets.load_images(samples, 48)[0]
    original = cv2.imread(str(samples[0].path), cv2.IMREAD_GRAYSCALE)
    assert original.shape == (60, 48)
    np.testing.assert_allclose(img.astype(int), original[6:54].astype(int), atol=2)


def test_epochs_draw_each_source_by_its_weight() -> None:
    gen = torch.Generator().manual_seed(0)
    order = epoch_order([1000, 50, 200], [0.6, 0.3, 0.1], gen)
    assert len(order) == 1250 and int(order.max()) < 1250
    counts = [int(((order >= lo) & (order < hi)).sum()) for lo, hi in ((0, 1000), (1000, 1050), (1050, 1250))]
    assert counts == [750, 375, 125]
    # A small source is repeated, each image about equally often (whole permutations).
    small = np.bincount(order[(order >= 1000) & (order < 1050)].numpy() - 1000, minlength=50)
    assert small.min() >= 7 and small.max() <= 8
    # One source: a plain permutation.
    assert sorted(epoch_order([10], [1.0], gen).tolist()) == list(range(10))


def test_recipes_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    good.write_text(json.dumps({"sources": [{"path": "x", "weight": 2}], "train": {"lr": 0.01, "domain_aug": 0.3}}))
    assert load_recipe(good)["train"]["lr"] == 0.01
    for body, match in (
        ("{not json", "not valid JSON"),
        (json.dumps({"sources": [], "training": {}}), "unknown section training"),
        (json.dumps({"sources": [{"path": "x"}], "train": {"learning_rate": 1}}), "learning_rate"),
        (json.dumps({"sources": [{"path": "x"}], "train": {"out": "elsewhere"}}), "command-only"),
        (json.dumps({"sources": [{"path": "x", "wieght": 1}]}), "wieght"),
        (json.dumps({"sources": "x"}), "list of objects"),
    ):
        good.write_text(body)
        with pytest.raises(DatasetError, match=match):
            load_recipe(good)
    with pytest.raises(DatasetError, match="cannot read the recipe"):
        load_recipe(tmp_path / "missing.json")
    # The shipped recipe is valid and never picks checkpoints on SFEW val.
    shipped = load_recipe(Path(__file__).resolve().parents[1] / "recipes" / "multisource.json")
    sfew = [s for s in shipped["sources"] if "sfew" in s["path"]]
    assert sfew and all(s.get("holdout", 0) > 0 for s in sfew)


@pytest.fixture(scope="module")
def multi_run(three_sources: dict[str, Path]) -> tuple[TrainConfig, dict]:
    """One tiny three-source run (trained once for the module): its config and final metrics.

    Its folder is ``base/run`` and its export ``base/export/ms.pt`` (with .onnx and .json)."""
    base = three_sources["base"]
    cfg = TrainConfig(
        data=str(three_sources["fer"]),
        sources=[
            {"path": str(three_sources["fer"]), "weight": 0.5, "name": "FER"},
            {"path": str(three_sources["film"] / "train"), "weight": 0.3, "holdout": 0.3, "name": "film"},
            {"path": str(three_sources["photos"]), "weight": 0.2, "smoothing": 0.2},
        ],
        epochs=2,
        batch_size=8,
        lr=0.02,
        out=str(base / "run"),
        export=str(base / "export" / "ms.pt"),
        threads=1,
        precision="fp32",
        domain_aug=0.5,
        **TINY_NET,
    )
    return cfg, train(cfg)


def test_multi_source_run_trains_validates_per_source_and_cards_every_dataset(multi_run: tuple) -> None:
    cfg, metrics = multi_run
    history = json.loads((Path(cfg.out) / "history.json").read_text())["history"]
    # Both sources with validation data are scored every epoch; the checkpoint score is their mean.
    assert set(history[0]["val_acc_by_source"]) == {"FER", "film"}
    assert history[0]["val_acc"] == pytest.approx(np.mean(list(history[0]["val_acc_by_source"].values())), abs=1e-3)
    # The held-out film slice is validation (21 of 70 images); only FER has a test split.
    assert {"val_accuracy_FER", "val_accuracy_film", "test_accuracy_FER_fer2013"} <= set(metrics)
    assert not any("photos" in k for k in metrics if k.startswith(("val_", "test_")))
    card = json.loads(Path(cfg.export).with_suffix(".json").read_text())
    # Paths outside the repository are reduced to their names: a card never leaks the machine's layout.
    assert [s["path"] for s in card["training"]["sources"]] == ["fer2013", "train", "photos"]
    assert "/tmp" not in json.dumps(card)
    assert "FER2013" in card["license"] and "photos" in card["license"]  # every dataset named with its terms
    assert "held out" in card["training_data"] and card["input"]["color"] == "gray"
    assert Path(cfg.export).with_suffix(".onnx").is_file()


def test_train_cli_takes_several_data_and_a_recipe(three_sources: dict, tmp_path: Path) -> None:
    recipe = tmp_path / "tiny.json"
    recipe.write_text(
        json.dumps(
            {
                "sources": [{"path": str(three_sources["fer"]), "labels": "fer2013"}],
                "train": {"epochs": 1, "batch_size": 8, "widths": [4, 8], "stage_dropout": [], "fc_width": 16},
            }
        )
    )
    out = tmp_path / "run"
    # --data on the command line replaces the recipe's sources; its train settings still apply.
    argv = ["train", "--recipe", str(recipe), "--out", str(out), "--threads", "1", "--precision", "fp32"]
    argv += ["--data", f"{three_sources['fer']}:name=FER", "--data", f"{three_sources['film'] / 'train'}:holdout=0.3"]
    assert main(argv) == 0
    card = json.loads((out / "export" / "emolab_fer_cnn.json").read_text())
    assert len(card["training"]["sources"]) == 2 and card["training"]["epochs"] == 1
    assert card["input"]["widths"] == [4, 8]
    # An unusable setting is refused before anything trains.
    with pytest.raises(ModelError, match="grey input only"):
        train(TrainConfig(data=str(three_sources["fer"]), color="rgb", out=str(tmp_path / "rgb"), **TINY_NET))


def test_evaluate_prints_one_table_across_datasets_and_writes_json(
    three_sources: dict, multi_run: tuple, tmp_path: Path, capsys
) -> None:
    card = Path(multi_run[0].export).with_suffix(".json")
    if not card.is_file():
        pytest.fail("run test_multi_source_run_trains_validates_per_source_and_cards_every_dataset first (same module)")
    out = tmp_path / "eval" / "cross.json"
    argv = ["evaluate", "--classifier", str(card.with_suffix(".onnx")), "--json", str(out)]
    argv += [
        "--data",
        f"{three_sources['fer']}:name=FER test",
        "--data",
        f"{three_sources['film']}:split=val,name=film val",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "macro" in printed and "FER test" in printed and "film val" in printed
    data = json.loads(out.read_text())
    first, second = data["results"]
    assert (first["dataset"], first["split"], first["n_images"]) == ("FER test", "test", 14)
    assert (second["dataset"], second["split"], second["n_images"]) == ("film val", "val", 21)
    for r in data["results"]:
        present = [r["recall"][e] for e in EMOTIONS if r["support"][e]]
        assert r["macro_recall"] == pytest.approx(np.mean(present), abs=1e-4)
        assert 0 <= r["ece"] <= 1 and r["ms_per_face"] > 0
    assert (out.parent / "cross_1_FER_test.png").is_file() and (out.parent / "cross_2_film_val.png").is_file()


def test_calibration_error_and_temperature_on_known_cases() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 4000)
    # Perfectly calibrated: confidence 0.7, right 70% of the time.
    pred = np.where(rng.random(4000) < 0.7, y, (y + 1) % 7)
    probs = np.full((4000, 7), 0.05)
    probs[np.arange(4000), pred] = 0.7
    assert expected_calibration_error(probs, y) < 0.03
    # Always 99% sure, right 70% of the time: ECE about 0.29.
    over = np.full((4000, 7), 0.01 / 6)
    over[np.arange(4000), pred] = 0.99
    assert expected_calibration_error(over, y) == pytest.approx(0.29, abs=0.03)
    # Logits made too sharp by a factor 3: the fitted temperature undoes it and lowers ECE.
    true_logits = rng.normal(0, 1, (4000, 7))
    labels = np.array([rng.choice(7, p=p) for p in softmax_t(true_logits)])
    t = fit_temperature(3 * true_logits, labels)
    assert t == pytest.approx(3, rel=0.15)
    assert expected_calibration_error(softmax_t(3 * true_logits, t), labels) < expected_calibration_error(
        softmax_t(3 * true_logits), labels
    )


def test_the_engine_applies_the_cards_temperature(multi_run: tuple) -> None:
    """A calibrated card softens (T > 1) the probabilities the curves plot, never the chosen emotion."""
    import dataclasses

    from emolab.classification.fer_cnn import FerCnnClassifier
    from emolab.detection.base import Detection
    from emolab.modelcards import load_card

    card = load_card(Path(multi_run[0].export).with_suffix(".json"))
    frame = np.full((100, 100, 3), 80, np.uint8)
    frame[20:68, 20:68] = _face(3, 7)[..., None]
    face = [Detection(box=(20.0, 20.0, 68.0, 68.0), score=0.9)]
    plain = FerCnnClassifier(card)
    warm = FerCnnClassifier(dataclasses.replace(card, input={**card.input, "temperature": 2.0}))
    logits = plain.logits(plain.crops(frame, face))
    np.testing.assert_allclose(warm.predict(frame, face), softmax_t(logits, 2.0), atol=1e-5)
    assert warm.predict(frame, face).argmax() == plain.predict(frame, face).argmax()
    assert warm.predict(frame, face).max() < plain.predict(frame, face).max()
    with pytest.raises(ModelError, match="temperature must be > 0"):
        FerCnnClassifier(dataclasses.replace(card, input={**card.input, "temperature": 0}))


def test_a_multi_source_run_resumes_from_its_folder(
    three_sources: dict, multi_run: tuple, tmp_path: Path, capsys
) -> None:
    """--resume takes the sources from the checkpoint; --data, when given, must name as many (moved) folders."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(multi_run[0].out, run)
    argv = ["train", "--resume", "--out", str(run), "--threads", "1"]
    assert main([*argv, "--data", str(three_sources["fer"])]) == 2
    assert "the run has 3 sources, --data gives 1" in capsys.readouterr().err
    assert main([*argv, "--data", f"{three_sources['fer']}:split=val"]) == 2  # an evaluation key
    assert "unknown option split" in capsys.readouterr().err
    assert main(argv) == 0
    card = json.loads((run / "export" / "emolab_fer_cnn.json").read_text())
    assert [s["name"] for s in card["training"]["sources"]] == ["FER", "film", ""]
    assert json.loads((run / "final_metrics.json").read_text())["epochs_run"] == 2
