"""Numbers users can trust: data-quality warnings, refused impossible inputs, unique CSV columns,
no paths of the build machine in shipped files or sessions."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from emolab.analysis import analyze_video, check_inputs
from emolab.cli.main import main
from emolab.demo import make_demo_ad, make_demo_camera
from emolab.emotions import EMOTIONS, GROUP_KEYS
from emolab.errors import EmolabError, InputError
from emolab.media import AdInfo
from emolab.modelcards import absolute_paths_in, discover_cards, load_card
from emolab.pipeline import FaceResult, FrameResult, Pipeline
from emolab.report import build_study_report
from emolab.session import SessionWriter, load_session, rebuild_summary
from emolab.session.quality import CODES, MAX_DROPPED_SHARE, MIN_AD_COVERAGE, MIN_FACE_RATIO, MIN_SAMPLE_FPS
from emolab.settings import Settings
from tests.conftest import REPO, make_pipeline

AD = AdInfo("ad.mp4", "/nowhere/ad.mp4", 10, "0" * 64, 1500.0, 10.0, 64, 48, 15)


# ---- synthetic sessions: each warning, and its absence ---------------------------------------------


def _result(index: int, face: bool) -> FrameResult:
    p = np.full(7, 0.01, np.float32)
    p[EMOTIONS.index("happy")] = 0.94
    faces = (FaceResult(viewer_id=1, box=(10.0, 10.0, 40.0, 40.0), score=0.99, probs=p, smoothed=p),) if face else ()
    return FrameResult(index, index * 100.0, time.monotonic(), (64, 48), faces, {})


def _session(folder: Path, frames: list[tuple[int, float, bool]], extra: dict | None = None) -> dict:
    """Write a session of ``(frame_index, ad_ms, has_face)`` frames; return its summary."""
    writer = SessionWriter.create(
        folder.parent, "r1", AD, {"kind": "test"}, {}, {"emonps_k": 0.5, "trace_min_s": 0.3}, folder=folder, extra=extra
    )
    for index, ad_ms, face in frames:
        writer.write(_result(index, face), ad_ms)
    return writer.close()


def codes(summary: dict) -> list[str]:
    return [w["code"] for w in summary["warnings"]]


CASES = {
    # 16 frames 100 ms apart over the whole 1.5 s ad (the 16th, at 1.5 s, is just after it), a face
    # in each: nothing to warn about.
    "good": ([(i, i * 100.0, True) for i in range(16)], None, []),
    # 0.5 s of a 1.5 s ad.
    "partial": ([(i, i * 100.0, True) for i in range(6)], None, ["partial_coverage"]),
    # A face in 6 of 16 frames.
    "few_faces": ([(i, i * 100.0, i < 6) for i in range(16)], None, ["few_faces"]),
    # A frame every 0.4 s of ad time (2.5 per second), none dropped.
    "slow": ([(i, i * 400.0, True) for i in range(5)], None, ["low_fps"]),
    # Two of every three frames the camera delivered were never analysed.
    "dropped": ([(3 * i, i * 100.0, True) for i in range(16)], None, ["dropped_frames"]),
    # Faces throughout the ad, none in the reaction.
    "swapped": (
        [(i, i * 100.0, False) for i in range(16)],
        {"ad_face_check": {"frames_sampled": 8, "frames_with_face": 8}},
        ["few_faces", "swapped_inputs"],
    ),
    # The same reaction against an ad without faces is not "swapped".
    "no_face_ad": (
        [(i, i * 100.0, False) for i in range(16)],
        {"ad_face_check": {"frames_sampled": 8, "frames_with_face": 1}},
        ["few_faces"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_warning_is_computed_from_the_session_and_rebuilt(tmp_path, case, capsys):
    frames, extra, expected = CASES[case]
    folder = tmp_path / case
    summary = _session(folder, frames, extra)
    assert codes(summary) == expected
    for w in summary["warnings"]:
        assert set(w) == {"code", "text"} and len(w["text"]) > 40
    assert json.loads((folder / "summary.json").read_text())["warnings"] == summary["warnings"]
    # The warnings come from the session alone: a rebuild (API and command) reproduces them.
    (folder / "summary.json").unlink()
    assert rebuild_summary(folder)["warnings"] == summary["warnings"]
    assert main(["summary", "--rebuild", str(folder)]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == summary["warnings"]


def test_coverage_is_the_ad_time_covered_not_the_order_of_rows(tmp_path):
    """A screening recorded before the ad clock was monotonic ends with a row stamped 0 after the
    ad's end (QMediaPlayer under X11 rewinds): the ad was still fully covered."""
    from emolab.session.metrics import ad_time_shares

    frames = [(i, i * 100.0, True) for i in range(15)] + [(15, 0.0, True)]
    summary = _session(tmp_path / "rewound", frames)
    assert codes(summary) == []
    tl = load_session(tmp_path / "rewound").timeline
    assert ad_time_shares(tl, AD.duration_ms) == (1.0, 1.0)
    assert summary["ad_seconds_covered"] == pytest.approx(1.5)
    # A gap in the middle is not covered, wherever its rows are in the file.
    # Frames 0.1 s apart at 0-0.2 s and 0.9-1.4 s, written in reverse: 0.2 s + 0.5 s (the frame
    # before the gap stands for at most COVERED_GAP_MS) + 0.6 s are covered, the rest is not.
    _session(tmp_path / "gap", [(i, i * 100.0, True) for i in reversed(range(15)) if not 3 <= i < 9])
    coverage, _ = ad_time_shares(load_session(tmp_path / "gap").timeline, AD.duration_ms)
    assert coverage == pytest.approx(1300.0 / 1500.0)


def test_every_warning_code_has_a_case():
    assert {code for _, _, expected in CASES.values() for code in expected} == set(CODES)


def test_warning_texts_state_the_numbers_and_thresholds(tmp_path):
    partial = _session(tmp_path / "p", CASES["partial"][0])["warnings"][0]["text"]
    assert "0.6 s of the 1.5 s ad" in partial and f"{MIN_AD_COVERAGE:.0%}" in partial
    few = _session(tmp_path / "f", CASES["few_faces"][0])["warnings"][0]["text"]
    assert "40% of the 15 analysed ad frames" in few and f"{MIN_FACE_RATIO:.0%}" in few
    none, swapped = _session(tmp_path / "n", *CASES["swapped"][:2])["warnings"]
    assert none["text"].startswith("No face was found in any of the 15 analysed ad frames")
    assert "8 of 8 frames sampled from the ad, but in only 0% of the reaction's frames during the ad" in swapped["text"]
    slow = _session(tmp_path / "s", CASES["slow"][0])["warnings"][0]["text"]
    assert "2.5 frames were analysed per second" in slow and f"{MIN_SAMPLE_FPS:g}" in slow
    dropped = _session(tmp_path / "d", CASES["dropped"][0])["warnings"][0]["text"]
    assert "30 of the 46 frames" in dropped and f"{MAX_DROPPED_SHARE:.0%}" in dropped


# ---- real analyses --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:  # noqa: ANN001
    """A 3 s four-scene ad, the astronaut filmed for 3.4 s and for 1 s, and a built pipeline."""
    work = tmp_path_factory.mktemp("trust")
    settings = Settings(sessions_dir=work / "sessions")
    return {
        "work": work,
        "settings": settings,
        "ad": make_demo_ad(work / "ad.mp4", seconds=3.0, fps=10.0),
        "full": make_demo_camera(work / "full.mp4", seconds=3.4, fps=6.0, face_from_s=0.0),
        "short": make_demo_camera(work / "short.mp4", seconds=1.0, fps=6.0, face_from_s=0.0),
        "pipeline": make_pipeline(settings),
    }


@pytest.fixture(scope="module")
def sessions(clips: dict) -> dict[str, Path]:
    out = {}
    for name in ("full", "short"):
        out[name], _ = analyze_video(
            clips["ad"], clips[name], clips["settings"], out=clips["work"] / "s" / name, pipeline=clips["pipeline"]
        )
    return out


def test_a_good_session_has_no_warning_and_a_short_one_says_so(sessions):
    assert load_session(sessions["full"]).summary["warnings"] == []
    summary = load_session(sessions["short"]).summary
    assert codes(summary) == ["partial_coverage"]
    assert "of the 3.0 s ad" in summary["warnings"][0]["text"]


def test_analyze_prints_the_warnings(clips, tmp_path, capsys):
    out = tmp_path / "short"
    code = main(
        [
            "analyze",
            "--ad",
            str(clips["ad"]),
            "--reaction",
            str(clips["short"]),
            "--out",
            str(out),
            "--classifier",
            "auto",
            "--no-progress",
        ]
    )
    assert code == 0
    err = capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert codes(summary) == ["partial_coverage"]
    assert f"emolab: warning: {summary['warnings'][0]['text']}" in err


def test_swapped_ad_and_reaction_are_suspected(clips, sessions, tmp_path):
    """The face video given as the ad and the ad as the reaction: faces in the ad, none in the reaction."""
    folder, summary = analyze_video(
        clips["full"], clips["ad"], clips["settings"], out=tmp_path / "swapped", pipeline=clips["pipeline"]
    )
    meta = load_session(folder).meta
    assert meta["ad_face_check"] == {"frames_sampled": 8, "frames_with_face": 8}
    assert "swapped_inputs" in codes(summary)
    assert "--ad is the advertisement" in next(w["text"] for w in summary["warnings"] if w["code"] == "swapped_inputs")
    # The right way round the reaction is full of faces: the ad is not even looked at (decoding
    # its frames would cost seconds on every analysis), and nothing is suspected.
    assert "ad_face_check" not in load_session(sessions["full"]).meta
    assert "swapped_inputs" not in codes(load_session(sessions["full"]).summary)


def test_study_report_carries_each_respondents_warnings(clips, sessions, tmp_path):
    path = build_study_report([sessions["full"], sessions["short"]], tmp_path / "study")
    page = path.read_text(encoding="utf-8")
    assert "poor data: partial_coverage" in page and "1 of 2 respondents have data-quality warnings" in page
    with open(tmp_path / "study" / "study_respondents.csv", newline="") as fh:
        rows = {r["session"]: r for r in csv.DictReader(fh)}
    assert rows["full"]["warnings"] == "" and rows["short"]["warnings"] == "partial_coverage"
    assert rows["full"]["trustworthy"] == "1" and rows["short"]["trustworthy"] == "0"


# ---- impossible inputs are refused before any work -----------------------------------------------


@pytest.mark.parametrize(
    "offset, words",
    [("-100", "after the 3.0 s ad has ended"), ("100", "before the ad starts"), ("nan", "must be a number")],
)
def test_impossible_offset_is_refused_before_any_work(clips, tmp_path, monkeypatch, capsys, offset, words):
    def no_models(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("models were loaded for inputs that cannot work")

    monkeypatch.setattr(Pipeline, "from_settings", no_models)
    sessions_dir = tmp_path / "sessions"
    base = ["analyze", "--ad", str(clips["ad"]), "--reaction", str(clips["full"]), "--offset", offset]
    assert main([*base, "--sessions-dir", str(sessions_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emolab: error:") and words in err and "Traceback" not in err
    assert "--offset 2 (reaction second 5 is then ad second 3)" in err
    assert not sessions_dir.exists(), "no session folder is left behind"
    assert main([*base, "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    # The engine refuses it itself, for every caller (e.g. a batch), with an EmolabError.
    with pytest.raises(InputError, match=re.escape(words)) as err_info:
        analyze_video(clips["ad"], clips["full"], Settings(sessions_dir=sessions_dir), offset_s=float(offset))
    assert isinstance(err_info.value, EmolabError) and not sessions_dir.exists()


def test_offsets_that_keep_part_of_the_reaction_are_accepted(clips):
    # The ad lasts 3 s; the reaction has 20 frames at 6 fps, the last at reaction second 3.17.
    assert check_inputs(clips["ad"], clips["full"], -2.99).offset_s == pytest.approx(-2.99)
    assert check_inputs(clips["ad"], clips["full"], 3.1).offset_s == pytest.approx(3.1)
    with pytest.raises(InputError, match="before the ad starts"):
        check_inputs(clips["ad"], clips["full"], 3.2)
    with pytest.raises(InputError, match="after the 3.0 s ad has ended"):
        check_inputs(clips["ad"], clips["full"], -3.01)


def test_out_folder_with_files_is_refused_before_any_work(clips, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("precious")
    with pytest.raises(InputError, match="not empty"):
        check_inputs(clips["ad"], clips["full"], 0.0, out=tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]


# ---- every CSV emolab writes has unique column names ---------------------------------------------


def csv_names_in_source() -> set[str]:
    """File names of every CSV the package writes, from the string constants in its code."""
    names = set()
    for path in (REPO / "emolab").rglob("*.py"):
        names |= set(re.findall(r"[\"']([\w.-]+\.csv)[\"']", path.read_text(encoding="utf-8")))
    return names


def test_every_csv_emolab_writes_has_unique_column_names(sessions, tmp_path):
    build_study_report([sessions["full"], sessions["short"]], tmp_path / "study")
    # A comparison of that study with a copy of it (other folders: another study), and a norms export.
    for name in ("full", "short"):
        shutil.copytree(sessions[name], tmp_path / "copy" / name)
    build_study_report([tmp_path / "copy"], tmp_path / "copy")
    db = tmp_path / "norms.sqlite"
    assert (
        main(
            [
                "compare",
                str(tmp_path / "study"),
                str(tmp_path / "copy"),
                "--out",
                str(tmp_path / "cmp"),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    assert main(["norms", "add", str(tmp_path / "study"), "--db", str(db)]) == 0
    assert main(["norms", "export", str(tmp_path / "cmp" / "norms.csv"), "--db", str(db)]) == 0
    written = {
        p.name: p
        for p in [
            *Path(sessions["full"]).glob("*.csv"),
            *(tmp_path / "study").glob("*.csv"),
            *(tmp_path / "cmp").glob("*.csv"),
        ]
    }
    read_only = {"ferplus_votes.csv"}  # inputs emolab reads (FER+ crowd votes), never writes
    assert csv_names_in_source() - read_only <= set(written), "a CSV kind emolab writes is missing from this test"
    assert {"timeline.csv", "study_curves.csv", "study_respondents.csv", "study_scenes.csv"} <= set(written)
    for name, path in written.items():
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        duplicates = sorted({c for c in header if header.count(c) > 1})
        assert not duplicates, f"{name} repeats columns {duplicates}"
    with open(written["study_curves.csv"], newline="") as fh:
        header = next(csv.reader(fh))
    # The neutral emotion and the neutral group are told apart.
    assert {"neutral_mean", "group_neutral_mean", "share_respondents_group_neutral"} <= set(header)
    with open(written["study_respondents.csv"], newline="") as fh:
        header = next(csv.reader(fh))
    assert {f"share_{e}" for e in EMOTIONS} | {f"share_{g}" for g in GROUP_KEYS} <= set(header)


# ---- no paths of the build machine ----------------------------------------------------------------


def test_model_cards_hold_no_absolute_paths():
    for path in sorted((REPO / "models").glob("*.json")):
        found = absolute_paths_in(json.loads(path.read_text(encoding="utf-8")))
        assert not found, f"{path.name} carries absolute paths of the machine it was made on: {found}"


def test_sessions_hold_no_paths_but_the_users_own(sessions):
    meta = json.loads((sessions["full"] / "session.json").read_text())
    own = {meta["ad"]["path"], meta["source"]["path"], meta["settings"]["sessions_dir"]}
    for task in ("detector", "classifier"):
        model = meta["models"][task]
        if model["reason"].startswith("chosen by file"):  # the user pointed at this file: theirs
            own.add(model["card"]["weights"])
        else:  # a model from emolab's own folder is named by its file alone
            assert model["card"]["weights"] == model["card"]["file"]
    assert not [p for p in absolute_paths_in(meta) if p not in own]
    assert "models_dir" not in meta["settings"], "emolab's own folder is not the session's business"


def test_cards_copied_into_sessions_lose_absolute_paths(tmp_path):
    card_path = tmp_path / "m.json"
    card_path.write_text(
        json.dumps(
            {
                "name": "m",
                "task": "classifier",
                "backend": "onnx",
                "file": "m.onnx",
                "description": "trained from /home/builder/data/fer2013 with ../shared/recipe.md",
                "training": {"out": "/home/builder/runs/7", "data": "C:\\Users\\b\\fer", "lr": 0.01},
            }
        )
    )
    record = load_card(card_path).to_dict()
    assert absolute_paths_in(record) == []
    assert record["description"] == "trained from fer2013 with ../shared/recipe.md"
    assert record["training"] == {"out": "7", "data": "fer", "lr": 0.01} and record["weights"] == "m.onnx"
    # A weights file the user pointed at keeps its path: it is theirs, like the ad's.
    assert load_card(card_path).with_weights(tmp_path / "x.onnx").to_dict()["weights"] == str(tmp_path / "x.onnx")
    assert discover_cards(tmp_path)[0].name == "m"
