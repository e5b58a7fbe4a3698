"""Panel batches: real reaction videos from ../shared through the local process pool and a local Ray cluster."""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from emolab.analysis import analyze_video
from emolab.batch import read_reactions, run_batch
from emolab.batch.ray_join import check_reachable
from emolab.batch.study_dir import expected_models, remove_session_folder
from emolab.batch.work import Analyst
from emolab.cli.main import main
from emolab.demo import make_demo_ad
from emolab.errors import BatchError, ClusterError, ModelError, SessionError
from emolab.pipeline import Pipeline
from emolab.session import load_session
from emolab.settings import Settings, default_models_dir
from tests.conftest import VIDEOS, need_shared, read_frames, subsample, write_video

#: Summary values that measure the machine, not the respondent.
TIMINGS = ("processed_fps", "latency_ms_median")
#: Timeline columns that are clock readings.
CLOCK_COLUMNS = ("capture_ms", "result_ms")


@pytest.fixture(scope="module")
def panel(tmp_path_factory) -> dict:  # noqa: ANN001
    """Four respondents: a smiling face, a face that leaves, a cartoon with no face, and a corrupt file.

    The shared clips are thinned to every 3rd/4th frame to keep the CPU time small.
    """
    work = tmp_path_factory.mktemp("panel")
    reactions = work / "reactions"
    reactions.mkdir()
    # The smile played forwards then backwards: 4.8 s, enough to cover the 5 s ad (no warning).
    smile = read_frames(subsample(need_shared(VIDEOS / "single_face.mp4"), work / "smile.mp4", 3))
    write_video(reactions / "R1.mp4", smile + smile[::-1], 10.0)
    subsample(need_shared(VIDEOS / "face_noface.mov"), reactions / "R2.mp4", 4)
    subsample(need_shared(VIDEOS / "no_face.mp4"), reactions / "R3.mp4", 4)
    (reactions / "R4.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 50)
    ad = make_demo_ad(work / "ad.mp4", seconds=5.0)
    return {"work": work, "reactions": reactions, "ad": ad, "settings": Settings(sessions_dir=work / "unused")}


@pytest.fixture(scope="module")
def local_run(panel) -> dict:  # noqa: ANN001
    out = panel["work"] / "study_local"
    code = main(
        [
            "batch",
            "--ad",
            str(panel["ad"]),
            "--reactions",
            str(panel["reactions"]),
            "--out",
            str(out),
            "--workers",
            "2",
            "--no-progress",
        ]
    )
    return {"code": code, "out": out, "record": json.loads((out / "batch.json").read_text())}


@pytest.fixture(scope="module")
def ray_cluster():  # noqa: ANN201
    """One small local Ray cluster for the module (as --engine ray without --address starts it)."""
    ray = pytest.importorskip("ray", reason="Ray is the 'cluster' extra: pip install -e '.[cluster]'")
    ray.init(
        num_cpus=2,
        object_store_memory=200 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    yield ray
    ray.shutdown()


def entries(record: dict) -> dict[str, dict]:
    return {e["respondent"]: e for e in record["files"]}


def summary(folder: Path) -> dict:
    data = json.loads((folder / "summary.json").read_text())
    return {k: v for k, v in data.items() if k not in TIMINGS}


def timeline_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "timeline.csv", newline="", encoding="utf-8") as fh:
        return [{k: v for k, v in row.items() if k not in CLOCK_COLUMNS} for row in csv.DictReader(fh)]


def test_reactions_from_a_folder_and_a_manifest(tmp_path):
    folder = tmp_path / "panel"
    folder.mkdir()
    for name in ("b.mp4", "A.MOV", "notes.txt", ".hidden.mp4", "ad.mp4"):
        (folder / name).write_bytes(b"x")
    got = read_reactions(folder, ad=folder / "ad.mp4")
    assert [(r.file.name, r.respondent, r.offset_s) for r in got] == [("A.MOV", "A", 0.0), ("b.mp4", "b", 0.0)]

    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "\ufefffile,respondent,offset_s\npanel/b.mp4,R 1,2.5\n\n/abs/c.mp4,,\npanel/A.MOV,R/2,-1\n", encoding="utf-8"
    )
    got = read_reactions(manifest)
    assert [(str(r.file), r.respondent, r.offset_s, r.folder) for r in got] == [
        (str(tmp_path / "panel" / "b.mp4"), "R 1", 2.5, "R-1"),  # relative to the manifest's folder
        ("/abs/c.mp4", "c", 0.0, "c"),
        (str(tmp_path / "panel" / "A.MOV"), "R/2", -1.0, "R-2"),
    ]

    def refused(text: str, match: str) -> None:
        manifest.write_text(text, encoding="utf-8")
        with pytest.raises(BatchError, match=match):
            read_reactions(manifest)

    refused("video,offset\nx.mp4,1\n", r"no 'file' column .*file,respondent,offset_s")
    refused("file,offset_s\nx.mp4,1\ny.mp4,soon\n", r"line 3: offset_s 'soon' is not a number")
    refused("file,offset_s\nx.mp4,nan\n", "line 2: offset_s 'nan'")
    refused("file,respondent\nx.mp4,R1\ny.mp4,R1\n", "x.mp4 .*y.mp4 .*the same respondent id")
    refused("file,respondent\nx.mp4,R 1\ny.mp4,R-1\n", "ids that make the same folder name")
    refused("file,respondent\n", "lists no reactions")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no videos")
    with pytest.raises(BatchError, match="holds no reaction videos"):
        read_reactions(empty)
    with pytest.raises(BatchError, match="do not exist"):
        read_reactions(tmp_path / "nowhere")


def test_only_plain_session_folders_are_ever_deleted(tmp_path):
    root = tmp_path / "sessions"
    plain = root / "R1"
    plain.mkdir(parents=True)
    for name in ("session.json", "timeline.csv", "summary.json", "summary.json.tmp"):
        (plain / name).write_text("{}")
    remove_session_folder(plain, root, dry_run=True)
    assert plain.is_dir()
    remove_session_folder(plain, root)
    assert not plain.exists()

    mixed = root / "R2"
    mixed.mkdir()
    (mixed / "session.json").write_text("{}")
    (mixed / "interview.docx").write_text("the client's notes")
    with pytest.raises(SessionError, match=r"holds files emolab did not write \(interview.docx\)"):
        remove_session_folder(mixed, root)
    assert (mixed / "interview.docx").read_text() == "the client's notes"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "session.json").write_text("{}")
    link = root / "R3"
    link.symlink_to(elsewhere)
    for target in (link, elsewhere):
        with pytest.raises(SessionError, match="not a session folder inside"):
            remove_session_folder(target, root)
    assert (elsewhere / "session.json").is_file()


# Before any test starts Ray: these must not disturb a running cluster's imports.
def test_ray_engine_without_ray_says_how_to_install(panel, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without the 'cluster' extra
    code = main(
        [
            "batch",
            "--ad",
            str(panel["ad"]),
            "--reactions",
            str(panel["reactions"]),
            "--out",
            str(tmp_path / "s"),
            "--engine",
            "ray",
        ]
    )
    assert code == 2
    assert "pip install 'emolab[cluster]'" in capsys.readouterr().err
    assert not (tmp_path / "s").exists(), "nothing was started"


def test_unreachable_ray_address_fails_fast():
    t0 = time.perf_counter()
    with pytest.raises(ClusterError, match=r"no Ray cluster answers at 127.0.0.1:9 .*ray start --head"):
        check_reachable("127.0.0.1:9", timeout_s=5)
    assert time.perf_counter() - t0 < 6


def test_local_batch_writes_sessions_batch_record_and_study(local_run, panel):
    out, record = local_run["out"], local_run["record"]
    assert local_run["code"] == 1, "one video failed: the exit status says so"
    assert record["state"] == "finished" and record["engine"] == "local" and record["workers"] == 2
    assert record["counts"] == {"reactions": 4, "ok": 1, "warning": 2, "failed": 1, "pending": 0, "reused": 0}
    e = entries(record)
    assert e["R1"]["status"] == "ok" and e["R1"]["session"] == "sessions/R1" and e["R1"]["face_ratio"] > 0.9
    # A face that leaves half-way: complete, counted, with a warning.
    assert e["R2"]["status"] == "warning" and [w["code"] for w in e["R2"]["warnings"]] == ["few_faces"]
    # No face at all: still a complete session (face ratio 0), counted with the session's own warning.
    r3 = load_session(out / "sessions" / "R3")
    assert r3.meta["status"] == "complete" and r3.summary["face_ratio"] == 0.0
    assert e["R3"]["status"] == "warning" and e["R3"]["warnings"] == r3.summary["warnings"]
    few = next(w for w in e["R3"]["warnings"] if w["code"] == "few_faces")
    assert few["text"].startswith("No face was found in any")
    # The corrupt file: failed with the reason, no session, and it did not stop the others.
    assert e["R4"]["status"] == "failed" and e["R4"]["session"] is None
    assert "cannot open" in e["R4"]["reason"] and str(panel["reactions"] / "R4.mp4") in e["R4"]["reason"]
    for name in ("R1", "R2", "R3"):
        assert e[name]["seconds"] > 0 and e[name]["worker"]
    assert sorted(p.name for p in (out / "sessions").iterdir()) == ["R1", "R2", "R3"]
    assert not (out / ".incomplete").exists()
    # Each session is an ordinary one, naming the respondent, the reaction and the ad.
    meta = load_session(out / "sessions" / "R1").meta
    assert meta["respondent"] == "R1" and meta["source"]["file"] == "R1.mp4" and meta["ad"]["file"] == "ad.mp4"
    assert meta["source"]["path"] == str((panel["reactions"] / "R1.mp4").resolve())
    # The study, as emolab aggregate builds it, from the three sessions.
    assert (out / "study.html").is_file() and (out / "study_curves.csv").is_file()
    with open(out / "study_respondents.csv", newline="") as fh:
        rows = {row["respondent"]: row for row in csv.DictReader(fh)}
    assert sorted(rows) == ["R1", "R2", "R3"]
    for name in rows:  # batch.json and the study say the same warnings
        assert rows[name]["warnings"] == ";".join(w["code"] for w in e[name]["warnings"]), name
    assert record["study"]["sessions"] == 3 and record["study"]["rebuilt"] is True


def test_batch_session_is_what_analyze_writes(local_run, panel, tmp_path):
    # Every session, each against a fresh analysis: a worker analyses video after video with one
    # pipeline, so state left over from one video would show in the next.
    settings = panel["settings"]
    for name in ("R1", "R2", "R3"):
        video = panel["reactions"] / f"{name}.mp4"
        folder, _ = analyze_video(
            panel["ad"],
            video,
            settings,
            out=tmp_path / name,
            respondent=name,
            pipeline=Pipeline.from_settings(settings),
        )
        batch_folder = local_run["out"] / "sessions" / name
        assert summary(batch_folder) == summary(folder), name
        assert timeline_rows(batch_folder) == timeline_rows(folder), name
        direct, batched = load_session(folder).meta, load_session(batch_folder).meta
        for key in ("respondent", "ad", "source", "models", "status", "mode", "calibration_s", "ad_face_check"):
            assert batched.get(key) == direct.get(key), (name, key)
        for meta in (direct, batched):
            del meta["settings"]["sessions_dir"]  # unused with an explicit session folder
        assert batched["settings"] == direct["settings"], name


def test_ray_batch_gives_the_same_numbers(local_run, panel, ray_cluster):
    out = panel["work"] / "study_ray"
    result = run_batch(panel["ad"], panel["reactions"], out, panel["settings"], engine="ray", workers=2)
    assert result.record["engine"] == "ray" and result.record["workers"] == 2
    local, remote = entries(local_run["record"]), entries(result.record)
    assert {k: (v["status"], v["session"]) for k, v in remote.items()} == {
        k: (v["status"], v["session"]) for k, v in local.items()
    }
    assert remote["R4"]["reason"] == local["R4"]["reason"], "the reason names the driver's file, not a worker's copy"
    for name in ("R1", "R2", "R3"):
        a, b = local_run["out"] / "sessions" / name, out / "sessions" / name
        assert summary(b) == summary(a), name
        assert timeline_rows(b) == timeline_rows(a), name
        meta = load_session(b).meta
        # The session arrived as bytes; its paths are the driver's files, not the worker's temporary copies.
        assert meta["source"]["path"] == str((panel["reactions"] / f"{name}.mp4").resolve())
        assert meta["ad"]["path"] == str(panel["ad"].resolve())
    for csv_name in ("study_curves.csv", "study_scenes.csv"):
        assert (out / csv_name).read_text() == (local_run["out"] / csv_name).read_text(), csv_name


def test_rerun_skips_complete_sessions_and_redoes_the_rest(local_run, panel, tmp_path, capsys):
    out = tmp_path / "study"
    shutil.copytree(local_run["out"], out)
    manifest = tmp_path / "panel.csv"
    lines = [f"{panel['reactions'] / n}.mp4,{n},0" for n in ("R1", "R2", "R3")]
    manifest.write_text("file,respondent,offset_s\n" + "\n".join(lines) + "\n")
    before = {p: p.stat().st_mtime_ns for p in (out / "sessions").rglob("*")}
    args = ["batch", "--ad", str(panel["ad"]), "--reactions", str(manifest), "--out", str(out), "--no-progress"]

    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "3 reactions: 1 ok, 2 with warnings, 0 failed (3 reused" in printed and "Study up to date" in printed
    record = json.loads((out / "batch.json").read_text())
    assert all(e["reused"] for e in record["files"]) and record["study"]["rebuilt"] is False
    assert {p: p.stat().st_mtime_ns for p in (out / "sessions").rglob("*")} == before

    # Now: R1 was cut off mid-way (status 'recording'), R2's offset is corrected, a killed
    # run left a half-written session in .incomplete, and the manifest names a file that is gone.
    meta_path = out / "sessions" / "R1" / "session.json"
    meta_path.write_text(meta_path.read_text().replace('"status": "complete"', '"status": "recording"'))
    manifest.write_text(manifest.read_text().replace("R2,0", "R2,0.5") + f"{tmp_path / 'gone.mp4'},R5,0\n")
    stale = out / ".incomplete" / "R3"
    stale.mkdir(parents=True)
    (stale / "session.json").write_text('{"status": "recording"}')
    r3_summary = (out / "sessions" / "R3" / "summary.json").stat().st_mtime_ns

    assert main(args) == 1, "a reaction failed: the exit status says so"
    err = capsys.readouterr().err
    assert "4 reactions: 1 already analysed, 2 to analyse, 1 cannot be analysed" in err
    record = json.loads((out / "batch.json").read_text())
    e = entries(record)
    assert (e["R1"]["reused"], e["R2"]["reused"], e["R3"]["reused"]) == (False, False, True)
    # The missing file failed while planning, with its reason; the others were still analysed.
    assert e["R5"]["status"] == "failed" and e["R5"]["session"] is None
    assert e["R5"]["reason"] == f"reaction video {tmp_path / 'gone.mp4'} does not exist or is not a file"
    assert record["counts"] == {"reactions": 4, "ok": 1, "warning": 2, "failed": 1, "pending": 0, "reused": 1}
    assert load_session(out / "sessions" / "R1").meta["status"] == "complete"
    assert load_session(out / "sessions" / "R2").meta["source"]["offset_s"] == 0.5
    assert summary(out / "sessions" / "R1") == summary(local_run["out"] / "sessions" / "R1")
    assert (out / "sessions" / "R3" / "summary.json").stat().st_mtime_ns == r3_summary
    assert not (out / ".incomplete").exists()
    assert record["study"]["rebuilt"] is True


def test_report_settings_re_summarise_instead_of_re_analysing(local_run, panel, tmp_path, monkeypatch, capsys):
    # reaction_delay_s, emonps_k, trace_min_s and attentive_only are read by the summary and the
    # reports only: a change rebuilds the summaries and the study, never analyses a video again.
    out = tmp_path / "study"
    shutil.copytree(local_run["out"], out)
    timelines = {p: p.stat().st_mtime_ns for p in (out / "sessions").rglob("timeline.csv")}
    assert "<b>0.5 s before</b>" in (out / "study.html").read_text()
    monkeypatch.setenv("EMOLAB_REACTION_DELAY_S", "1.2")
    monkeypatch.setenv("EMOLAB_EMONPS_K", "1.0")
    args = ["batch", "--ad", str(panel["ad"]), "--reactions", str(panel["reactions"]), "--out", str(out)]
    assert main([*args, "--no-progress"]) == 1  # R4 still fails
    assert "Study written to" in capsys.readouterr().out
    record = json.loads((out / "batch.json").read_text())
    e = entries(record)
    for name in ("R1", "R2", "R3"):
        assert e[name]["reused"] and e[name]["resummarised"] == ["emonps_k", "reaction_delay_s"], name
        session = load_session(out / "sessions" / name)
        assert session.meta["settings"]["reaction_delay_s"] == 1.2 and session.meta["settings"]["emonps_k"] == 1.0
        # The summary was rebuilt with the new EmoNPS weight; nothing else in it changed.
        assert session.summary["emonps"]["k"] == 1.0
        before, after = summary(local_run["out"] / "sessions" / name), summary(out / "sessions" / name)
        assert before.pop("emonps")["k"] == 0.5 and after.pop("emonps") and after == before, name
    assert {p: p.stat().st_mtime_ns for p in (out / "sessions").rglob("timeline.csv")} == timelines, "no video redone"
    assert record["study"]["rebuilt"] is True
    assert "<b>1.2 s before</b>" in (out / "study.html").read_text(), "the study has the new delay"


def test_models_that_do_not_load_stop_the_batch_with_the_reason(panel, tmp_path):
    # A card whose input recipe the backend cannot use: the backend raises a ValueError, not an
    # EmolabError. One clear ModelError at start-up, not a worker that dies on every video.
    models = tmp_path / "models"
    models.mkdir()
    for f in default_models_dir().iterdir():
        (models / f.name).symlink_to(f)
    card = models / "emolab_fer_cnn.json"
    text = card.read_text()
    card.unlink()
    card.write_text(text.replace('"size": 48,', '"size": "big",'))
    reactions = tmp_path / "reactions"
    reactions.mkdir()
    shutil.copy(panel["reactions"] / "R1.mp4", reactions / "P1.mp4")
    settings = panel["settings"].replace(models_dir=models)
    with pytest.raises(ModelError, match=r"cannot load its models: ValueError: invalid literal for int\(\).*'big'"):
        run_batch(panel["ad"], reactions, tmp_path / "study", settings, workers=1, build_study=False)
    record = json.loads((tmp_path / "study" / "batch.json").read_text())
    assert record["state"].startswith("stopped: ") and "ValueError" in record["state"]
    assert entries(record)["P1"].get("retries") is None, "no crash, no retry"


def test_a_worker_with_other_models_refuses_to_analyse(panel, tmp_path):
    # A cluster node with other models than the driver's says so before any analysis.
    settings = panel["settings"]
    theirs = expected_models(settings)
    ours = {**theirs, "classifier": {**theirs["classifier"], "date": "1999-01-01"}}
    analyst = Analyst(settings.to_dict(), ours)
    outcome = analyst.analyze(panel["ad"], read_reactions(panel["reactions"], panel["ad"])[0], tmp_path / "s")
    assert outcome.status == "fatal" and "has other models" in outcome.reason
    assert "install the same emolab version and models on every node" in outcome.reason
    assert not (tmp_path / "s").exists(), "nothing was analysed"
    assert Analyst(settings.to_dict(), theirs).error == ""


def test_a_worker_that_dies_does_not_stop_the_batch(panel, tmp_path):
    reactions = tmp_path / "reactions"
    reactions.mkdir()
    for name in ("P1", "P2", "P3"):
        shutil.copy(panel["reactions"] / "R1.mp4", reactions / f"{name}.mp4")
    out = tmp_path / "study"
    killed: list[int] = []

    def kill_workers_mid_video() -> None:
        # As soon as P1 is being written, kill this test's own pool processes (by id), as the
        # kernel's out-of-memory killer or a crashing decoder would.
        timeline = out / ".incomplete" / "P1" / "timeline.csv"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if timeline.is_file() and timeline.read_text().count("\n") > 1:
                for child in multiprocessing.active_children():
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_workers_mid_video)
    killer.start()
    try:
        result = run_batch(panel["ad"], reactions, out, panel["settings"], workers=2, build_study=False)
    finally:
        killer.join()
    assert killed, "the workers were killed while P1 was being analysed"
    assert result.counts["ok"] + result.counts["warning"] == 3 and result.counts["failed"] == 0
    assert entries(result.record)["P1"]["retries"] == 1, "the video lost with its worker was redone"
    assert summary(out / "sessions" / "P1") == summary(out / "sessions" / "P3")


def test_batch_refuses_another_ads_study_and_bad_models(local_run, panel, tmp_path, capsys):
    out = tmp_path / "study"
    shutil.copytree(local_run["out"], out)
    other_ad = make_demo_ad(tmp_path / "other.mp4", seconds=3.0)
    args = ["batch", "--reactions", str(panel["reactions"]), "--out", str(out), "--no-progress"]
    assert main([*args, "--ad", str(other_ad)]) == 2
    assert "holds a study of another ad" in capsys.readouterr().err
    (out / "batch.json").unlink()
    assert main([*args, "--ad", str(other_ad)]) == 2
    assert "is a session of another ad" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "sessions").iterdir()) == ["R1", "R2", "R3"], "nothing deleted"
    assert main([*args, "--ad", str(panel["ad"]), "--detector", "facefinder9000"]) == 2
    assert "unknown face detector 'facefinder9000'" in capsys.readouterr().err
    assert main([*args, "--ad", str(panel["ad"]), "--address", "10.0.0.1:6379"]) == 2
    assert "--address names a Ray cluster: add --engine ray" in capsys.readouterr().err
