"""What the installed app (the PyInstaller bundle, without PyTorch) does differently, checked here.

The bundle itself is checked by scripts/test_app.sh. These tests run emolab's real code in the
state the bundle puts it in: ``sys.frozen`` set, ``sys._MEIPASS`` pointing at the bundle's data,
and PyTorch and the training tools absent (a ``None`` entry in ``sys.modules`` blocks an
import, which is how Python documents doing so).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolab.cli.main import main
from emolab.errors import MissingPackageError, SourceError
from emolab.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def installed_app(monkeypatch):  # noqa: ANN001, ANN201
    """emolab as the bundle runs it: frozen, without PyTorch, facenet-pytorch or the training tools."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    for module in ("torch", "facenet_pytorch", "ultralytics", "emolab.training"):
        monkeypatch.setitem(sys.modules, module, None)


def test_models_that_need_pytorch_are_listed_as_unavailable_with_the_reason(installed_app, capsys) -> None:  # noqa: ANN001
    from emolab.detection import select_detector_card
    from emolab.inventory import model_inventory

    settings = Settings()
    inv = model_inventory(settings)
    detectors = {m["name"]: m for m in inv["detectors"]}
    assert detectors["mtcnn"]["available"] and detectors["mtcnn"]["unavailable"] is None
    torch_mtcnn = detectors["mtcnn-torch"]
    assert torch_mtcnn["installed"] and not torch_mtcnn["available"]
    assert "PyTorch" in torch_mtcnn["unavailable"] and "installed app leaves out" in torch_mtcnn["unavailable"]
    assert "developer install" in torch_mtcnn["unavailable"]
    assert inv["selected"]["detector"]["name"] == "mtcnn", "auto never picks a model that cannot run"
    # emolab's own classifier runs without PyTorch: its card names the ONNX export.
    own = next(m for m in inv["classifiers"] if m["name"] == "emolab-fer-cnn")
    assert own["available"] and own["file"] == "emolab_fer_cnn.onnx"

    with pytest.raises(MissingPackageError, match="the detector 'mtcnn-torch' needs PyTorch"):
        select_detector_card("mtcnn-torch", settings)

    main(["models"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "mtcnn-torch" in x)
    assert "unavailable -> the detector 'mtcnn-torch' needs PyTorch" in line
    assert "Traceback" not in out


def test_choosing_a_pytorch_model_fails_before_any_work(installed_app, tmp_path, capsys) -> None:  # noqa: ANN001
    from tests.conftest import VIDEOS, need_shared

    video = need_shared(VIDEOS / "single_face.mp4")
    out = tmp_path / "session"
    code = main(
        ["analyze", "--ad", str(video), "--reaction", str(video), "--detector", "mtcnn-torch", "--out", str(out)]
    )
    assert code == 2
    assert "needs PyTorch and facenet-pytorch, which the installed app leaves out" in capsys.readouterr().err
    assert not out.exists(), "no session folder for an analysis that cannot run"


@pytest.mark.parametrize(
    ("command", "needs"),
    [
        (["train", "--data", "DATA"], "emolab's training tools and PyTorch"),
        (["evaluate", "--data", "DATA"], "emolab's training tools"),
        (["export-onnx"], "PyTorch"),
    ],
)
def test_developer_commands_say_they_need_a_developer_install(installed_app, tmp_path, capsys, command, needs) -> None:  # noqa: ANN001
    command = [str(tmp_path) if part == "DATA" else part for part in command]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emolab: error: 'emolab {command[0]}' needs ")
    assert needs in err and "which the installed app leaves out; use a developer install" in err
    assert "scripts/setup.sh" in err


def test_without_a_screen_the_installed_app_names_its_own_commands(installed_app) -> None:  # noqa: ANN001
    from emolab.cli.gui import missing_display

    message = missing_display(environ={}, platform="linux")
    assert "'emolab demo'" in message and "xvfb-run -a ./emolab" in message
    assert "scripts/" not in message, "the installed app has no scripts folder"


def test_demo_photo_comes_from_the_bundle_when_frozen(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from skimage import data

    from emolab.demo import astronaut_face, astronaut_path

    shipped = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    assert np.array_equal(astronaut_face(), shipped), "the file read directly is scikit-image's astronaut()"

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(SourceError, match="demo photograph"):
        astronaut_face()
    (tmp_path / "demo").mkdir()
    shutil.copy2(Path(data.__file__).parent / "astronaut.png", tmp_path / "demo" / "astronaut.png")
    assert astronaut_path() == tmp_path / "demo" / "astronaut.png"
    assert np.array_equal(astronaut_face(), shipped)


def test_notices_quote_licences_of_packages_and_models(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from emolab import notices

    text = notices.notices_text(["numpy", "Jinja2", "PySide6_Essentials"], REPO / "models", scope="a test")
    assert "\nnumpy " in text and "\nJinja2 " in text
    assert "Redistribution and use in source and binary forms" in text, "numpy's BSD text is quoted"
    assert "mtcnn (mtcnn_onet.onnx)" in text and "MTCNN weights: MIT" in text
    assert "Qt and FFmpeg" in text, "Qt's LGPL notice comes with PySide6"
    assert all(len(line) <= 90 for line in text.split("SOFTWARE")[0].splitlines()), "the header is wrapped"
    assert notices.license_text().lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")

    # The installed app shows the file its build wrote, not a list of this machine's packages.
    (tmp_path / notices.NOTICES_FILE).write_text("the bundle's notices", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert notices.third_party_notices() == "the bundle's notices"


def test_staged_models_have_onnx_defaults_and_no_pytorch_weights(tmp_path) -> None:  # noqa: ANN001
    """What the build puts in the bundle (scripts/stage_models.py, which pyinstaller.spec calls)."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from stage_models import stage
    finally:
        sys.path.remove(str(REPO / "scripts"))
    from emolab.classification import select_classifier_card
    from emolab.detection import select_detector_card
    from emolab.runtime import TORCH_WEIGHTS, model_packages

    folder = stage(REPO / "models", tmp_path / "app-models")
    assert not [p for p in folder.iterdir() if p.suffix in TORCH_WEIGHTS]
    assert {p.name for p in (REPO / "models").glob("*.json")} == {p.name for p in folder.glob("*.json")}
    settings = Settings(models_dir=folder)
    for select in (select_detector_card, select_classifier_card):
        card, _ = select("auto", settings)
        assert card.weights_path.suffix == ".onnx" and card.weights_path.is_file()
        assert "torch" not in model_packages(card)
