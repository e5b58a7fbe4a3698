"""File ▸ Compare studies… and File ▸ Norms…: dialogs that ask, actions that do the work off the GUI thread."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from tests.compare_helpers import make_study, real_session
from tests.conftest_gui import QT_LOG_IGNORE, make_window_fixture  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict:  # noqa: ANN001
    work = tmp_path_factory.mktemp("gui_compare")
    source = real_session(work)
    ad = work / "ads" / "cut_a.mp4"
    root = work / "studies"
    return {
        "A": make_study(root, "first", source, ad, 3, seed=21),
        "B": make_study(root, "second", source, ad, 3, seed=22),
    }


def test_file_menu_offers_compare_and_norms(make_window, qtbot, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMenu

    monkeypatch.setenv("EMOLAB_NORMS_DB", str(tmp_path / "norms.sqlite"))
    window = make_window(show=False)
    (file_menu,) = [m for m in window.menuBar().findChildren(QMenu) if m.title() == "&File"]
    texts = [a.text() for a in file_menu.actions()]
    assert "&Compare studies…" in texts and "&Norms…" in texts
    window.act_norms.trigger()
    dialog = window.norms_dialog
    assert dialog.isVisible() and dialog.db == tmp_path / "norms.sqlite"
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=TIMEOUT_MS)
    assert "0 studies in the norms" in dialog.status.text()
    dialog.close()


def test_compare_runs_off_the_gui_thread_and_opens_the_report(
    make_window, qtbot, studies, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    from PySide6.QtGui import QDesktopServices

    from emolab.gui import actions

    opened, threads = [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    real = actions.compare_studies

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the real action, noting its thread
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "compare_studies", spy)
    window = make_window(show=False)
    out = tmp_path / "cmp"
    task = window.compare_studies([str(studies["A"]), str(studies["B"])], str(out))
    assert "Comparing 2 studies" in window.message.label.text()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert threads and threads[0] != threading.get_ident(), "the comparison ran on the GUI thread"
    assert opened == [str(out / "compare.html")] and (out / "compare.json").is_file()
    assert not window.tasks

    # A folder that is no study: the window says why; nothing is written.
    empty = tmp_path / "empty"
    empty.mkdir()
    task = window.compare_studies([str(studies["A"]), str(empty)], str(tmp_path / "cmp2"))
    with qtbot.waitSignal(task.errored, timeout=TIMEOUT_MS):
        pass
    assert window.message.kind == "warning" and "is not an emolab study" in window.message.label.text()
    assert not (tmp_path / "cmp2").exists() and len(opened) == 1


def test_compare_dialog_collects_folders(qtbot, studies) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QDialogButtonBox

    from emolab.gui.compare_dialog import CompareDialog

    dialog = CompareDialog()
    qtbot.addWidget(dialog)
    ok = dialog.box.button(QDialogButtonBox.StandardButton.Ok)
    dialog.add_folder(studies["A"])
    assert not ok.isEnabled(), "one study is nothing to compare"
    dialog.add_folder(studies["B"])
    dialog.add_folder(studies["B"])  # listed once
    assert ok.isEnabled() and dialog.folders() == [str(studies["A"].resolve()), str(studies["B"].resolve())]
    assert dialog.out_folder() == str(studies["A"].resolve().parent / "compare-first-vs-second")
    dialog.list.setCurrentRow(1)
    dialog.make_baseline()
    assert dialog.folders()[0] == str(studies["B"].resolve())
    assert dialog.category() is None


def test_norms_dialog_lists_adds_exports_imports_and_removes(qtbot, studies, tmp_path) -> None:  # noqa: ANN001
    from emolab.gui.norms_dialog import NormsDialog

    db = tmp_path / "norms.sqlite"
    dialog = NormsDialog(db=db)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=TIMEOUT_MS)
    assert dialog.table.rowCount() == 0 and not db.exists()

    with qtbot.waitSignal(dialog.taskDone, timeout=TIMEOUT_MS) as done:
        assert dialog.add_study(studies["A"], "snacks", "Acme")
    assert "Added first to the norms as #1" in done.args[0]
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 3).text() == "first"
    assert dialog.table.item(0, 1).text() == "snacks"

    with qtbot.waitSignal(dialog.taskDone, timeout=TIMEOUT_MS) as done:
        dialog.export_to(tmp_path / "share.csv")
    assert "Exported 1 studies" in done.args[0]
    with open(tmp_path / "share.csv", newline="") as fh:
        assert [r["study"] for r in csv.DictReader(fh)] == ["first"]

    other = NormsDialog(db=tmp_path / "other.sqlite")
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: not other.task.running, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(other.taskDone, timeout=TIMEOUT_MS) as done:
        other.import_from(tmp_path / "share.csv")
    assert "Imported 1 studies" in done.args[0] and other.table.rowCount() == 1

    with qtbot.waitSignal(dialog.taskDone, timeout=TIMEOUT_MS) as done:
        dialog.table.selectRow(0)
        dialog.remove_selected()
    assert "Removed first (#1)" in done.args[0] and dialog.table.rowCount() == 0


def test_norms_dialog_shows_a_damaged_library_without_failing(qtbot, tmp_path) -> None:  # noqa: ANN001
    from emolab.gui.norms_dialog import NormsDialog

    db = tmp_path / "norms.sqlite"
    db.write_bytes(b"not a database" * 100)
    dialog = NormsDialog(db=db)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=TIMEOUT_MS)
    assert "is not an emolab norms library" in dialog.status.text()
    assert db.read_bytes() == b"not a database" * 100
    assert all(b.isEnabled() for b in dialog.buttons)


def test_actions_name_the_default_comparison_folder() -> None:
    from emolab.gui.actions import default_compare_folder

    assert default_compare_folder([Path("/x/cut_a"), Path("/y/cut_b")]) == Path("/x/compare-cut_a-vs-cut_b")
