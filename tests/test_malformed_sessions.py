"""Session readers never crash on malformed files (property-based, with hypothesis).

Random and truncated ``timeline.csv`` and ``session.json`` files are fed to ``load_session``,
``summary --rebuild``, ``report`` and ``aggregate``. Every failure must be a clear
:class:`~emolab.errors.EmolabError` (exit code 2 on the command line, never a traceback), and
the input files must be left byte for byte as they were.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.cli.main import main
from emolab.errors import EmolabError
from emolab.media import AdInfo
from emolab.pipeline import FaceResult, FrameResult
from emolab.pose import HeadPose
from emolab.report import build_session_report, build_study_report
from emolab.session import SessionWriter, load_session, rebuild_summary
from emolab.session.store import METRIC_SETTINGS
from emolab.settings import Settings

AD = AdInfo("ad.mp4", "/nowhere/ad.mp4", 1000, "a" * 64, 2000.0, 10.0, 64, 48, 20)
INPUTS = ("session.json", "timeline.csv")
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _frame(i: int) -> FrameResult:
    """Frame ``i``: no face at first, then one viewer, then two (happy, sad, neutral in turn)."""
    faces = []
    for v in range(0 if i < 3 else 1 if i < 12 else 2):
        p = np.full(7, 0.02, np.float32)
        p[(3, 4, 6)[(i // 4 + v) % 3]] = 0.88
        attentive = None if i % 7 == 0 else i % 5 != 0  # looking, looking away, and pose unknown
        faces.append(
            FaceResult(
                viewer_id=v + 1,
                box=(5.0 + 30 * v, 5.0, 30.0 + 30 * v, 30.0),
                score=0.9,
                probs=p,
                smoothed=p,
                pose=None if attentive is None else HeadPose(3.0 if attentive else 40.0, -2.0, 1.0),
                attentive=attentive,
            )
        )
    return FrameResult(i, i * 100.0, time.monotonic(), (64, 48), tuple(faces), {})


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:  # noqa: ANN001
    """A sound session with calibration, pre, ad and post frames, one and two viewers."""
    folder = tmp_path_factory.mktemp("good") / "s1"
    writer = SessionWriter.create(
        folder.parent,
        "R1",
        AD,
        {"kind": "test"},
        {"detector": {"name": "d"}, "classifier": {"name": "c"}},
        {k: getattr(Settings(), k) for k in METRIC_SETTINGS},  # every setting the readers read back
        calibration_s=0.2,
        folder=folder,
    )
    for i in range(26):
        writer.write(_frame(i), i * 100.0 - 300.0)
    writer.close()
    return folder


# ---- damage ------------------------------------------------------------------------------------------

FIELD_VALUES = st.one_of(
    st.sampled_from(["", "ad", "pre", "post", "calibration", "happy", "neutral", "positive", "group_neutral"]),
    st.sampled_from(["-1", "0", "1", "nan", "inf", "-inf", "1e308", "1e999", "99999999999999999999", "0.5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.text(max_size=12),
)


NUMERIC_COLUMNS = (
    "frame_index",
    "source_ms",
    "capture_ms",
    "result_ms",
    "ad_ms",
    "viewer_id",
    "x1",
    "score",
    "p_happy",
)


@st.composite
def damaged_timeline(draw: st.DrawFn, text: str) -> bytes:
    """The timeline's text after one to three kinds of damage (or random bytes).

    Half the kinds break the format (the reader must refuse them clearly); the others keep it
    and change the content (rows lost, repeated or reordered, odd but well-formed values), so
    the metrics and reports must cope with what they read.
    """
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    header = text.split("\n", 1)[0].split(",")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["truncate", "splice", "line", "field", "drop-field", "random"]
                + ["drop-rows", "repeat-rows", "shuffle-rows", "number", "phase"]
            )
        )
        lines = text.split("\n")
        rows = range(1, len(lines) - 1) or range(len(lines))  # data rows (the last line is empty)
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "splice":
            i = draw(st.integers(0, len(text)))
            j = draw(st.integers(i, min(len(text), i + 60)))
            text = text[:i] + draw(st.text(max_size=30)) + text[j:]
        elif kind == "line":
            lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=120)))
            text = "\n".join(lines)
        elif kind in ("field", "drop-field", "number", "phase"):
            row = (
                draw(st.integers(0, len(lines) - 1)) if kind in ("field", "drop-field") else draw(st.sampled_from(rows))
            )
            cells = lines[row].split(",")
            if kind == "number" and len(cells) == len(header):
                value = draw(st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e9, 1e9, allow_nan=False)))
                cells[header.index(draw(st.sampled_from(NUMERIC_COLUMNS)))] = repr(value)
            elif kind == "phase" and len(cells) == len(header):
                cells[header.index("phase")] = draw(st.sampled_from(["calibration", "pre", "ad", "post"]))
            elif kind == "field":
                cells[draw(st.integers(0, len(cells) - 1))] = draw(FIELD_VALUES)
            elif kind == "drop-field":
                del cells[draw(st.integers(0, len(cells) - 1))]
            lines[row] = ",".join(cells)
            text = "\n".join(lines)
        elif kind in ("drop-rows", "repeat-rows", "shuffle-rows"):
            body = [ln for ln in lines[1:] if ln]
            if kind == "drop-rows":
                keep = draw(st.lists(st.booleans(), min_size=len(body), max_size=len(body)))
                body = [ln for ln, k in zip(body, keep) if k]
            elif kind == "repeat-rows":
                body = body + draw(st.lists(st.sampled_from(body), max_size=10)) if body else body
            else:
                body = draw(st.permutations(body))
            text = "\n".join([lines[0], *body]) + "\n"
        else:
            text = draw(st.text(max_size=300))
    return text.encode("utf-8", errors="surrogatepass")


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path into nested dicts."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    return out


@st.composite
def damaged_meta(draw: st.DrawFn, text: str) -> bytes:
    """``session.json`` with values replaced or removed, or its text cut or replaced."""
    kind = draw(st.sampled_from(["value", "value", "delete", "truncate", "random"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))].encode()
    if kind == "random":
        return json.dumps(draw(JSON_VALUES)).encode()
    meta = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(meta)))
        parent = meta
        for key in path[:-1]:
            parent = parent[key]
        if kind == "delete":
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(JSON_VALUES)
        if not isinstance(meta, dict) or not _paths(meta):
            break
    return json.dumps(meta).encode()


# ---- the property ---------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in INPUTS if (folder / name).exists()}


def run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def check_every_reader(folder: Path, good: Path, work: Path) -> None:
    """Each reader either works or raises a clear EmolabError, and leaves the inputs alone."""
    before = snapshot(folder)
    summary_before = (folder / "summary.json").read_bytes()

    for read in (
        lambda: load_session(folder),
        lambda: build_session_report(folder, out=work / "report.html"),
        lambda: build_session_report(folder, baseline=True, out=work / "baseline.html"),
        lambda: build_study_report([good, folder], work / "study"),
    ):
        try:
            read()
        except EmolabError as exc:
            assert str(exc).strip(), "an error must say what is wrong"
        assert snapshot(folder) == before and (folder / "summary.json").read_bytes() == summary_before

    code, err = run_cli(["report", str(folder), "--out", str(work / "cli.html")])
    assert code in (0, 2) and (code == 0 or err.startswith("emolab: error: ")), err
    code, err = run_cli(["aggregate", str(good), str(folder), "--out", str(work / "cli-study")])
    assert code in (0, 2) and (code == 0 or err.startswith("emolab: error: ")), err

    # summary --rebuild writes summary.json (its output) and nothing else; on failure, not even that.
    code, err = run_cli(["summary", "--rebuild", str(folder)])
    assert code in (0, 2) and (code == 0 or err.startswith("emolab: error: ")), err
    assert snapshot(folder) == before
    if code == 2:
        assert (folder / "summary.json").read_bytes() == summary_before
    else:
        rebuilt = json.loads((folder / "summary.json").read_text())
        assert rebuilt == json.loads(json.dumps(rebuild_summary(folder)))  # deterministic
        assert isinstance(rebuilt["warnings"], list)


def _copy(good: Path, tmp: str) -> Path:
    return Path(shutil.copytree(good, Path(tmp) / "damaged"))


@PROPERTY
@given(data=st.data())
def test_damaged_timeline_never_crashes_a_reader(good, data):
    damaged = data.draw(damaged_timeline((good / "timeline.csv").read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(good, tmp)
        (folder / "timeline.csv").write_bytes(damaged)
        check_every_reader(folder, good, Path(tmp))


@PROPERTY
@given(data=st.data())
def test_damaged_session_json_never_crashes_a_reader(good, data):
    damaged = data.draw(damaged_meta((good / "session.json").read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(good, tmp)
        (folder / "session.json").write_bytes(damaged)
        check_every_reader(folder, good, Path(tmp))


@pytest.mark.parametrize("value", ["wide", None, 0.0, [25]])
def test_a_damaged_recorded_setting_is_named_by_every_reader(good, tmp_path, value):
    folder = _copy(good, str(tmp_path))
    meta = json.loads((folder / "session.json").read_text())
    meta["settings"]["attention_yaw_deg"] = value
    (folder / "session.json").write_text(json.dumps(meta))
    with pytest.raises(EmolabError, match="attention_yaw_deg"):
        load_session(folder)
    code, err = run_cli(["aggregate", str(good), str(folder), "--out", str(tmp_path / "study")])
    assert code == 2 and "attention_yaw_deg" in err, err


def test_the_sound_session_reads_everywhere(good, tmp_path):
    """The property's baseline: undamaged, every reader works (so the property is not vacuous)."""
    folder = shutil.copytree(good, tmp_path / "s")
    session = load_session(folder)
    assert len(session.timeline) > 30 and 0 < session.summary["attention_share"] < 1  # attention is read too
    assert build_session_report(folder, out=tmp_path / "r.html").is_file()
    assert build_study_report([good, folder], tmp_path / "study").is_file()
    assert run_cli(["summary", "--rebuild", str(folder)])[0] == 0
