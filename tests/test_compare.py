"""``emolab compare``: studies of ad variants, each number checked against scipy and the timelines' text.

The studies are synthetic panels made from a real session (see tests/compare_helpers.py), so
the truth is known: variant B has more happiness in seconds 2–4 of the ad, nowhere else.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from emolab.cli.main import main
from emolab.report.html import read_data
from emolab.session.synthetic import Effect
from tests.compare_helpers import make_study, per_respondent_seconds, real_session, recut

EFFECT = Effect(2.0, 4.0, "happy", 0.8)


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict:  # noqa: ANN001
    work = tmp_path_factory.mktemp("compare")
    source = real_session(work)
    ad_a = work / "ads" / "cut_a.mp4"
    # Cut B shows the same four scenes in another order; cut C leaves the last scene out (6 s).
    ad_b = recut(ad_a, work / "ads" / "cut_b.mp4", [2, 0, 1, 3])
    ad_c = recut(ad_a, work / "ads" / "cut_c.mp4", [0, 1, 2])
    root = work / "studies"
    return {
        "work": work,
        "root": root,
        "A": make_study(root, "cut_a", source, ad_a, 14, seed=1),
        "B": make_study(root, "cut_b", source, ad_b, 15, seed=2, effect=EFFECT),
        "C": make_study(root, "cut_c", source, ad_c, 5, seed=3),
        "one": make_study(root, "single", source, ad_a, 1, seed=4),
    }


def run(argv: list[str], capsys) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def welch(x: np.ndarray, y: np.ndarray, axis: int = 0) -> np.ndarray:
    return stats.ttest_ind(y, x, equal_var=False, axis=axis).statistic


def mc_close(p: float, ref: float, draws: int = 9_999) -> bool:
    """Two permutation p-values from independent random draws agree within 5 standard errors.

    A two-sided p is twice a one-sided one (p/2): its standard error is 2·sqrt(p/2·(1 − p/2)/draws),
    and the difference of two independent estimates has sqrt(2) times that.
    """
    half = min(ref, 1.0) / 2
    return abs(p - ref) <= 5 * np.sqrt(2) * 2 * np.sqrt(half * (1 - half) / draws) + 1e-3


def summaries(study: Path) -> list[dict]:
    return [json.loads((f / "summary.json").read_text()) for f in sorted((study / "sessions").iterdir())]


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")  # scipy, on seconds alike in both
def test_two_cuts_compared_with_the_numbers_scipy_gives(studies, tmp_path, capsys):
    out = tmp_path / "ab"
    db = tmp_path / "norms.sqlite"
    code, stdout, _ = run(["compare", str(studies["A"]), str(studies["B"]), "--out", str(out), "--db", str(db)], capsys)
    assert code == 0 and "compare.html" in stdout
    data = json.loads((out / "compare.json").read_text())
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert read_data(page)["kpis"] == data["kpis"], "the page embeds the same numbers as compare.json"
    assert [v["name"] for v in data["variants"]] == ["cut_a", "cut_b"]
    assert [v["respondents"] for v in data["variants"]] == [14, 15]
    assert not db.exists(), "reading the norms never creates the library"

    # EEI: each respondent's own (summary.json), B − A, tested by a permutation test (14 and 15 < 20).
    eei_a = np.array([s["eei"] for s in summaries(studies["A"])])
    eei_b = np.array([s["eei"] for s in summaries(studies["B"])])
    k = data["kpis"]["eei"]
    assert k["values"]["cut_a"] == pytest.approx(eei_a.mean()) and k["values"]["cut_b"] == pytest.approx(eei_b.mean())
    assert k["diff"] == pytest.approx(eei_b.mean() - eei_a.mean(), abs=1e-5)
    # C(29, 14) arrangements are too many: 9,999 drawn at random, so p agrees with scipy's own
    # draw within sampling error.
    ref = stats.permutation_test(
        (eei_a, eei_b), welch, permutation_type="independent", n_resamples=9_999, vectorized=True, random_state=0
    )
    assert mc_close(k["p"], ref.pvalue)
    assert "permutation" in k["test"] and "random, 10,000 arrangements" in k["test"]
    ci = stats.ttest_ind(eei_b, eei_a, equal_var=False).confidence_interval(0.95)
    assert k["ci95"] == pytest.approx([ci.low, ci.high], abs=1e-5)
    assert "fewer than 20 respondents" in k["why"]
    # EmoNPS is the study's own figure; its difference is of the two studies' values.
    e = data["kpis"]["emonps"]
    for name, s in (("cut_a", studies["A"]), ("cut_b", studies["B"])):
        assert e["values"][name] == read_data((s / "study.html").read_text(encoding="utf-8"))["emonps"]["value"]

    # Second by second: positive-group means from the CSV text, p and q as scipy computes them.
    pos_a = per_respondent_seconds(studies["A"])
    pos_b = per_respondent_seconds(studies["B"])
    rows = data["seconds"]
    assert [r["second_start"] for r in rows] == list(range(8))
    ps = []
    for s, row in enumerate(rows):
        cell = row["group_positive"]
        assert cell["mean"]["cut_a"] == pytest.approx(np.nanmean(pos_a[:, s]), abs=1e-6)
        assert cell["mean"]["cut_b"] == pytest.approx(np.nanmean(pos_b[:, s]), abs=1e-6)
        a, b = pos_a[:, s], pos_b[:, s]
        if np.isfinite(a).all() and np.isfinite(b).all():
            ref = stats.permutation_test(
                (a, b), welch, permutation_type="independent", n_resamples=9_999, vectorized=True, random_state=s
            )
            assert mc_close(cell["p"], ref.pvalue)
            ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
            assert cell["ci95"] == pytest.approx([ci.low, ci.high], abs=1e-5)
    # q: one Benjamini–Hochberg family over every tested second of every tested curve.
    for series in data["seconds_tested"]:
        for row in rows:
            ps.append(row[series]["p"])
    tested = [p for p in ps if p is not None]
    qs = [row[series]["q"] for series in data["seconds_tested"] for row in rows if row[series]["p"] is not None]
    np.testing.assert_allclose(qs, stats.false_discovery_control(tested, method="bh"), rtol=1e-6)

    # The known effect is found where it is, and nowhere else.
    significant = {
        r["second_start"] for r in rows if r["group_positive"]["q"] is not None and r["group_positive"]["q"] < 0.05
    }
    assert significant and significant <= {2, 3}, significant
    assert all(rows[s]["group_positive"]["diff"] > 0 for s in significant)
    verdict = " ".join(data["verdict"])
    assert "cut_b holds more positive emotion than cut_a in 0:02–0:0" in verdict
    assert "cut_b's peak positive emotion is higher than cut_a's" in verdict
    assert data["kpis"]["peak_positive"]["q"] < 0.05 and data["kpis"]["peak_positive"]["at_s"]["cut_b"] in (2, 3)
    # What is not significant is said so, with the sizes.
    assert "between cut_a and cut_b with 14 and 15 respondents" in verdict

    # Scenes: cut B shows A's scenes in another order; each is matched to the same shot.
    pairs = data["scenes"]["pairs"]
    assert len(pairs) == 4 and not data["scenes"]["notes"]
    by_a = {p["scene"]["cut_a"]["index"]: p["scene"]["cut_b"]["index"] for p in pairs}
    assert by_a == {1: 2, 2: 3, 3: 1, 4: 4}

    # CSV twins: unique column names, the same numbers as the JSON.
    for name in ("compare_variants.csv", "compare_kpis.csv", "compare_seconds.csv", "compare_scenes.csv"):
        with open(out / name, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            assert len(header) == len(set(header)), f"{name} repeats a column"
            assert list(reader), f"{name} is empty"
    with open(out / "compare_seconds.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert float(table[3]["group_positive_q_B_minus_A"]) == pytest.approx(rows[3]["group_positive"]["q"], rel=1e-5)
    assert float(table[3]["group_positive_mean_A"]) == pytest.approx(rows[3]["group_positive"]["mean"]["cut_a"])
    with open(out / "compare_kpis.csv", newline="") as fh:
        kpis = {r["kpi"]: r for r in csv.DictReader(fh)}
    assert float(kpis["eei"]["p"]) == pytest.approx(data["kpis"]["eei"]["p"], rel=1e-5)
    # The page states the verdict and hides the norms with a sentence saying why.
    assert "Verdict" in page and "holds more positive emotion" in page
    assert "No norms library yet" in page


def test_different_lengths_compare_where_both_run(studies, tmp_path, capsys):
    out = tmp_path / "ac"
    code, _, _ = run(["compare", str(studies["A"]), str(studies["C"]), "--out", str(out)], capsys)
    assert code == 0
    data = json.loads((out / "compare.json").read_text())
    align = data["alignment"]
    assert align["compared_seconds"] == 6 and not align["same_length"]
    assert len(data["seconds"]) == 6
    assert any("cut_a's ad runs 8.0 s: its time after 0:06 is left out" in s for s in align["left_out"])
    assert any("left out" in s for s in data["verdict"])
    # The three scenes C keeps are matched; A's last is only in A.
    assert len(data["scenes"]["pairs"]) == 3
    assert [s["index"] for s in data["scenes"]["unmatched"]["cut_a"]] == [4]
    # Peaks are over the compared seconds only.
    peak = data["kpis"]["peak_positive"]
    assert all(t < 6 for t in peak["at_s"].values())


def test_three_variants_each_against_the_first(studies, tmp_path, capsys):
    out = tmp_path / "abc"
    assert run(["compare", *(str(studies[k]) for k in "ABC"), "--out", str(out)], capsys)[0] == 0
    data = json.loads((out / "compare.json").read_text())
    eei = data["kpis"]["eei"]
    assert set(eei["diff"]) == {"cut_b", "cut_c"} and set(eei["against_first"]) == {"cut_b", "cut_c"}
    assert eei["diff"]["cut_c"] == pytest.approx(eei["values"]["cut_c"] - eei["values"]["cut_a"], abs=1e-5)
    with open(out / "compare_seconds.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert "attention_q_C_minus_A" in header and len(header) == len(set(header))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "case, message",
    [
        ("one", "at least 2 respondents"),
        ("empty", "is not an emolab study"),
        ("no_respondents", "has no respondents"),
        ("session", "is one session, not a study"),
        ("missing", "does not exist"),
        ("same", "are the same study"),
    ],
)
def test_what_cannot_be_compared_is_refused_and_nothing_written(studies, tmp_path, capsys, case, message):
    a = studies["A"]
    if case == "one":
        other = studies["one"]
    elif case == "empty":
        other = tmp_path / "empty"
        other.mkdir()
    elif case == "no_respondents":
        other = tmp_path / "failed_batch"
        (other / "sessions").mkdir(parents=True)
    elif case == "session":
        other = next((studies["B"] / "sessions").iterdir())
    elif case == "missing":
        other = tmp_path / "nowhere"
    else:
        other = a
    before = snapshot(studies["root"])
    out = tmp_path / "out"
    code, stdout, err = run(["compare", str(a), str(other), "--out", str(out)], capsys)
    assert code == 2 and message in err and err.startswith("emolab: error:"), err
    assert "Traceback" not in err and not stdout
    assert not out.exists(), "nothing is written for input that cannot be compared"
    assert snapshot(studies["root"]) == before


def test_a_study_made_by_an_older_emolab_is_found_by_its_sessions(studies, tmp_path, capsys):
    """A batch folder without the study page's list of sessions still works (sessions/)."""
    copy = tmp_path / "old_b"
    shutil.copytree(studies["B"], copy)
    (copy / "study.html").unlink()
    assert run(["compare", str(studies["A"]), str(copy), "--out", str(tmp_path / "o")], capsys)[0] == 0
