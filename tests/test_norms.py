"""The norms library: a versioned SQLite file, safe with two writers, that ranks every study among past ones."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from emolab.cli.main import main
from emolab.norms.library import SCHEMA_VERSION, open_norms
from emolab.norms.studies import CSV_COLUMNS
from emolab.report.html import read_data
from tests.compare_helpers import make_study, real_session

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict:  # noqa: ANN001
    work = tmp_path_factory.mktemp("norms")
    source = real_session(work)
    ad = work / "ads" / "cut_a.mp4"
    root = work / "studies"
    return {
        "work": work,
        "A": make_study(root, "spring", source, ad, 4, seed=11),
        "B": make_study(root, "summer", source, ad, 5, seed=12),
    }


def run(argv: list[str], capsys) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def norm_row(i: int, category: str, eei: float, **extra: object) -> dict[str, object]:
    row = {
        "id": i,
        "category": category,
        "brand": "Acme",
        "study": f"past-{i}",
        "ad_file": f"ad{i}.mp4",
        "ad_sha256": hashlib.sha256(f"ad{i}".encode()).hexdigest(),
        "ad_duration_s": 30,
        "fingerprint": hashlib.sha256(f"study{i}".encode()).hexdigest(),
        "respondents": 20,
        "usable": 18,
        "eei": eei,
        "emonps": 10.0,
        "emonps_k": 0.5,
        "attention": 0.8,
        "peak_positive": 0.5,
        "peak_negative": 0.2,
        "attentive_only": 0,
        "added_at": "2026-01-01T00:00:00+00:00",
        "emolab_version": "0.1.0",
    }
    row.update(extra)
    return row


def write_csv(path: Path, rows: list[dict[str, object]], columns: tuple[str, ...] = CSV_COLUMNS) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def test_add_list_remove_export_import(studies, tmp_path, capsys):
    db = tmp_path / "team" / "norms.sqlite"
    code, out, _ = run(["norms", "list", "--db", str(db)], capsys)
    assert code == 0 and "holds no study yet" in out and not db.exists(), "listing creates nothing"
    # Not a study: refused before the library is even created.
    (tmp_path / "empty").mkdir()
    code, _, err = run(["norms", "add", str(tmp_path / "empty"), "--db", str(db)], capsys)
    assert code == 2 and "is not an emolab study" in err and not db.exists()

    code, out, _ = run(
        ["norms", "add", str(studies["A"]), "--category", "snacks", "--brand", "Acme", "--db", str(db)], capsys
    )
    assert code == 0 and "Added #1 spring" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # The same study again (also from a copy of its folder) is recognised by its ad and sessions.
    code, out, _ = run(["norms", "add", str(studies["A"]), "--db", str(db)], capsys)
    assert code == 0 and "Already in the norms: #1 spring" in out
    run(["norms", "add", str(studies["B"]), "--category", "snacks", "--db", str(db)], capsys)

    with open_norms(db) as norms:
        records = norms.records()
    assert [(r.id, r.study, r.category, r.brand) for r in records] == [
        (1, "spring", "snacks", "Acme"),
        (2, "summer", "snacks", ""),
    ]
    page = read_data((studies["A"] / "study.html").read_text(encoding="utf-8"))
    a = records[0]
    assert a.respondents == 4 and a.eei == pytest.approx(page["eei"]["mean"])
    assert a.emonps == page["emonps"]["value"] and a.ad_sha256 == page["ad"]["sha256"]

    code, out, _ = run(["norms", "list", "--db", str(db), "--json"], capsys)
    assert [r["study"] for r in json.loads(out)] == ["spring", "summer"]
    code, out, _ = run(["norms", "list", "--db", str(db)], capsys)
    assert "spring" in out and "summer" in out and "2 studies" in out

    exported = tmp_path / "share.csv"
    assert run(["norms", "export", str(exported), "--db", str(db)], capsys)[0] == 0
    with open(exported, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2
    # Another team imports it; importing it again (or into the library it came from) adds nothing.
    other = tmp_path / "other.sqlite"
    code, out, _ = run(["norms", "import", str(exported), "--db", str(other)], capsys)
    assert code == 0 and "Imported 2 studies" in out
    code, out, _ = run(["norms", "import", str(exported), "--db", str(other)], capsys)
    assert "Imported 0 studies" in out and "2 already there" in out
    with open_norms(other) as norms:
        theirs = norms.records()
    keep = ("category", "brand", "study", "ad_sha256", "fingerprint", "respondents", "usable", "added_at")
    assert [[getattr(r, k) for k in keep] for r in theirs] == [[getattr(r, k) for k in keep] for r in records]
    for mine, imported in zip(records, theirs):  # numbers travel with 10 significant digits
        for k in ("eei", "emonps", "attention", "peak_positive", "peak_negative", "ad_duration_s"):
            assert getattr(imported, k) == pytest.approx(getattr(mine, k), rel=1e-9)

    code, out, _ = run(["norms", "remove", "1", "--db", str(db)], capsys)
    assert code == 0 and "Removed #1 spring" in out
    before = digest(db)
    code, _, err = run(["norms", "remove", "1", "--db", str(db)], capsys)
    assert code == 2 and "no study with id 1" in err and digest(db) == before


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_column", "missing eei"),
        ("extra_column", "unexpected colour"),
        ("bad_sha", "line 3: ad_sha256 must be 64 hexadecimal digits"),
        ("bad_number", "line 2: eei must be a number between -100 and 100"),
        ("usable", "usable at most respondents"),
        ("empty", "is empty"),
    ],
)
def test_a_wrong_csv_is_refused_and_the_library_unchanged(tmp_path, capsys, case, message):
    db = tmp_path / "norms.sqlite"
    write_csv(tmp_path / "good.csv", [norm_row(1, "snacks", 5.0)])
    assert run(["norms", "import", str(tmp_path / "good.csv"), "--db", str(db)], capsys)[0] == 0
    before = digest(db)
    rows = [norm_row(2, "snacks", 10.0), norm_row(3, "snacks", 12.0)]
    bad = tmp_path / "bad.csv"
    if case == "missing_column":
        write_csv(bad, rows, tuple(c for c in CSV_COLUMNS if c != "eei"))
    elif case == "extra_column":
        write_csv(bad, [dict(r, colour="red") for r in rows], (*CSV_COLUMNS, "colour"))
    elif case == "bad_sha":
        write_csv(bad, [rows[0], dict(rows[1], ad_sha256="not-a-hash")])
    elif case == "bad_number":
        write_csv(bad, [dict(rows[0], eei="250"), rows[1]])
    elif case == "usable":
        write_csv(bad, [rows[0], dict(rows[1], usable=30)])
    else:
        bad.write_text("")
    code, out, err = run(["norms", "import", str(bad), "--db", str(db)], capsys)
    assert code == 2 and message in err and err.startswith("emolab: error:") and "Traceback" not in err, err
    assert digest(db) == before
    with open_norms(db) as norms:
        assert [r.study for r in norms.records()] == ["past-1"], "nothing of a bad file is imported"


def _corrupt(path: Path) -> None:
    path.write_bytes(b"this is no database, just text someone saved over the norms\n" * 40)


def _newer(path: Path) -> None:
    with open_norms(path, write=True):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()  # the last connection closing writes everything into the file


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()


def _truncated(path: Path) -> None:
    with open_norms(path, write=True) as norms:
        from emolab.norms.studies import read_csv

        write_csv(path.with_suffix(".csv"), [norm_row(i, "snacks", float(i % 100 - 50)) for i in range(1, 200)])
        norms.add(read_csv(path.with_suffix(".csv")))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    "damage, message",
    [
        (_corrupt, "is not an emolab norms library (not an SQLite database"),
        (_newer, "was written by a newer emolab"),
        (_foreign, "not an emolab norms library; choose another file"),
        (_truncated, "is damaged"),
    ],
)
def test_a_damaged_or_newer_library_is_refused_and_left_as_it_was(
    studies, tmp_path, capsys, monkeypatch, damage, message
):
    db = tmp_path / "norms.sqlite"
    damage(db)
    before = digest(db)
    write_csv(tmp_path / "some.csv", [norm_row(1, "snacks", 5.0)])
    for argv in (
        ["norms", "list"],
        ["norms", "add", str(studies["A"])],
        ["norms", "import", str(tmp_path / "some.csv")],
        ["norms", "remove", "1"],
        ["norms", "export", str(tmp_path / "out.csv")],
    ):
        code, _, err = run([*argv, "--db", str(db)], capsys)
        assert code == 2 and message in err and "Traceback" not in err, (argv, err)
        assert digest(db) == before, f"{argv[1]} changed the library"
    assert not (tmp_path / "out.csv").exists()
    # --add-to-norms checks the library before any work: no study is written either.
    out = tmp_path / "study"
    code, _, err = run(
        ["aggregate", str(studies["A"] / "sessions"), "--out", str(out), "--add-to-norms", "--db", str(db)], capsys
    )
    assert code == 2 and message in err and not out.exists()
    # Named with --db, a bad library stops a report or a comparison before any work.
    for argv in (
        ["aggregate", str(studies["A"] / "sessions"), "--out", str(out)],
        ["compare", str(studies["A"]), str(studies["B"]), "--out", str(out)],
    ):
        code, _, err = run([*argv, "--db", str(db)], capsys)
        assert code == 2 and message in err and not out.exists(), (argv, err)
    # The user's own library (EMOLAB_NORMS_DB or the data folder), damaged, does not stop a report:
    # it says the norms are left out, and why.
    monkeypatch.setenv("EMOLAB_NORMS_DB", str(db))
    code, _, _ = run(["aggregate", str(studies["A"] / "sessions"), "--out", str(out)], capsys)
    assert code == 0 and digest(db) == before
    norms = read_data((out / "study.html").read_text(encoding="utf-8"))["norms"]
    assert not norms["shown"] and message in norms["note"]


WRITER = textwrap.dedent(
    """
    import hashlib, sys, time
    sys.path.insert(0, {repo!r})
    from emolab.norms.library import NormRecord, open_norms

    db, who, n, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    time.sleep(max(0.0, start - time.time()))  # both start writing at the same moment
    began = time.time()

    def record(key):
        return NormRecord(category="race", brand=who, study=key, ad_file="ad.mp4", ad_duration_s=30.0,
                          ad_sha256=hashlib.sha256(b"ad").hexdigest(),
                          fingerprint=hashlib.sha256(key.encode()).hexdigest(), respondents=10, usable=10,
                          eei=1.0, emonps=2.0, emonps_k=0.5, attention=0.9, peak_positive=0.5,
                          peak_negative=0.1, attentive_only=False, added_at="2026-01-01", emolab_version="test")

    for i in range(n):  # one transaction per study, each process opening the library anew
        with open_norms(db, write=True) as norms:
            norms.add([record(f"{{who}}-{{i}}")])
            norms.add([record(f"shared-{{i % 10}}")])  # both processes add these: stored once
    print("done", who, began, time.time())
    """
)


def test_two_processes_writing_at_once(tmp_path):
    db = tmp_path / "shared" / "norms.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(repo=str(REPO)))
    start = time.time() + 5.0  # after both interpreters have started
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), who, "60", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("first", "second")
    ]
    results = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0 and "done" in out, err
    with open_norms(db) as norms:
        records = norms.records()
    studies = sorted(r.study for r in records)
    assert len(studies) == 130 and len(set(studies)) == 130
    # They really wrote at the same time: their writing spans overlap.
    spans = [tuple(map(float, out.split()[2:4])) for out, _ in results]
    assert max(s[0] for s in spans) < min(s[1] for s in spans), spans
    assert {r.study for r in records if r.study.startswith("shared-")} == {f"shared-{i}" for i in range(10)}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_percentiles_appear_from_five_studies_of_the_category(studies, tmp_path, capsys):
    db = tmp_path / "norms.sqlite"
    past = [-40.0, -10.0, 0.0, 20.0]
    write_csv(
        tmp_path / "four.csv",
        [norm_row(i, "snacks", v) for i, v in enumerate(past, start=1)] + [norm_row(9, "cars", 99.0)],
    )
    assert run(["norms", "import", str(tmp_path / "four.csv"), "--db", str(db)], capsys)[0] == 0
    out = tmp_path / "study"
    sessions = str(studies["A"] / "sessions")
    assert run(["aggregate", sessions, "--out", str(out), "--db", str(db), "--category", "snacks"], capsys)[0] == 0
    page = (out / "study.html").read_text(encoding="utf-8")
    norms = read_data(page)["norms"]
    assert not norms["shown"] and norms["n"] == 4
    assert "from 5 studies of the same category on" in page and "holds 4 other studies in category" in page

    write_csv(tmp_path / "fifth.csv", [norm_row(5, "snacks", 60.0)])
    assert run(["norms", "import", str(tmp_path / "fifth.csv"), "--db", str(db)], capsys)[0] == 0
    assert (
        run(
            ["aggregate", sessions, "--out", str(out), "--db", str(db), "--category", "snacks", "--add-to-norms"],
            capsys,
        )[0]
        == 0
    )
    data = read_data((out / "study.html").read_text(encoding="utf-8"))
    eei = data["kpis"]["eei"]
    below = sum(v < eei for v in past + [60.0]) + 0.5 * sum(v == eei for v in past + [60.0])
    assert data["norms"]["shown"] and data["norms"]["kpis"]["eei"]["n"] == 5
    assert data["norms"]["kpis"]["eei"]["percentile"] == pytest.approx(100.0 * below / 5)
    assert "percentile" in (out / "study.html").read_text(encoding="utf-8")
    # --add-to-norms filed it under its category; ranked again, it is left out of its own norms.
    with open_norms(db) as lib:
        mine = [r for r in lib.records("snacks") if r.study == "study"]
    assert len(mine) == 1 and mine[0].respondents == 4
    assert run(["aggregate", sessions, "--out", str(out), "--db", str(db)], capsys)[0] == 0
    again = read_data((out / "study.html").read_text(encoding="utf-8"))["norms"]
    assert again["in_norms"] == mine[0].id and again["category"] == "snacks" and again["n"] == 5

    # The comparison ranks each variant the same way.
    cmp = tmp_path / "cmp"
    assert run(["compare", str(out), str(studies["B"]), "--out", str(cmp), "--db", str(db)], capsys)[0] == 0
    cdata = json.loads((cmp / "compare.json").read_text())
    assert cdata["norms"]["study"]["kpis"]["eei"]["percentile"] == pytest.approx(100.0 * below / 5)
    assert cdata["norms"]["summer"]["category"] is None and cdata["norms"]["summer"]["n"] == 7  # all categories
    ordinal = cdata["norms"]["study"]["kpis"]["eei"]["ordinal"]
    assert f"<b>{ordinal}</b> percentile" in (cmp / "compare.html").read_text(encoding="utf-8")
