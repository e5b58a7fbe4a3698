"""The comparison and study reports as a browser shows them: headless Chromium, no "nan" or "None" on the page."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from emolab.cli.main import main
from tests.compare_helpers import make_study, real_session, recut

#: Words a page must never show: numbers that were missing and got printed anyway.
LEAKS = re.compile(r"\b(nan|NaN|None|null|undefined|inf|Infinity)\b")


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no Chromium: install it with 'apt-get install chromium' (scripts/setup.sh does)")


def rendered_text(page: Path) -> str:
    """The text headless Chromium renders from ``page`` (scripts and styles left out)."""
    with tempfile.TemporaryDirectory(prefix="emolab-chromium-") as profile:
        result = subprocess.run(
            [
                browser(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                f"--user-data-dir={profile}",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<svg" in dom, "the page did not render"
    dom = re.sub(r"<(script|style|title)\b.*?</\1>", " ", dom, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", dom)
    return html.unescape(re.sub(r"\s+", " ", text))


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:  # noqa: ANN001
    work = tmp_path_factory.mktemp("render")
    source = real_session(work)
    ad = work / "ads" / "cut_a.mp4"
    short = recut(ad, work / "ads" / "cut_short.mp4", [1, 0, 2])
    root = work / "studies"
    a = make_study(root, "cut_a", source, ad, 3, seed=31)
    b = make_study(root, "cut_short", source, short, 2, seed=32)
    out = work / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out), "--db", str(work / "none.sqlite")]) == 0
    return {"compare": out / "compare.html", "study": a / "study.html"}


def test_compare_report_renders_without_missing_values(reports):
    text = rendered_text(reports["compare"])
    assert not LEAKS.findall(text), LEAKS.findall(text)
    for words in (
        "Verdict",
        "Key performance indicators",
        "Among the norms",
        "second by second",
        "Scenes the cuts share",
    ):
        assert words in text
    # Two respondents against three: tests are permutation tests, and the page says why.
    assert "permutation test" in text and "fewer than 20 respondents" in text
    assert "left out of the second-by-second comparison" in text


def test_study_report_renders_without_missing_values(reports):
    text = rendered_text(reports["study"])
    assert not LEAKS.findall(text), LEAKS.findall(text)
    assert "Among the norms" in text and "No norms library yet" in text
