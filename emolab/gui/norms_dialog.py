"""File ▸ Norms…: the norms library's studies, and adding, removing, exporting and importing them.

Every read and write runs on a :class:`~emolab.gui.tasks.BackgroundTask` through the functions
of :mod:`emolab.gui.actions`; the dialog asks for folders and files and shows the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emolab.gui import actions
from emolab.gui.tasks import BackgroundTask

COLUMNS = ("id", "category", "brand", "study", "ad_file", "respondents", "eei", "emonps", "attention", "added_at")


def _cell(record: Any, key: str) -> str:
    v = getattr(record, key)
    if v is None:
        return "–"
    if key in ("eei", "emonps"):
        return f"{v:+.0f}"
    if key == "attention":
        return f"{100 * v:.0f}%"
    if key == "respondents":
        return f"{record.usable}/{v}"
    if key == "added_at":
        return str(v)[:10]
    return str(v)


class NormsDialog(QDialog):
    """The norms library in a table, with Add study…, Remove, Export… and Import…."""

    #: Emitted on the GUI thread when a task has ended (its message, or the error's).
    taskDone = Signal(str)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None, db: str | Path | None = None, start_dir: str = "") -> None:
        super().__init__(parent)
        from emolab.norms.library import default_norms_path

        self.db = Path(db) if db else default_norms_path()
        self.start_dir = start_dir
        self.task: BackgroundTask | None = None
        self.records: list[Any] = []
        self.setWindowTitle(self.tr("Norms library"))
        self.where = QLabel(self.tr("Library: {0}").format(self.db))
        self.where.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Id"),
                self.tr("Category"),
                self.tr("Brand"),
                self.tr("Study"),
                self.tr("Ad"),
                self.tr("Usable"),
                self.tr("EEI"),
                self.tr("EmoNPS"),
                self.tr("Attention"),
                self.tr("Added"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = []
        row = QHBoxLayout()
        for text, slot in (
            (self.tr("Add study…"), self.ask_add),
            (self.tr("Remove"), self.remove_selected),
            (self.tr("Export…"), self.ask_export),
            (self.tr("Import…"), self.ask_import),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
            self.buttons.append(b)
        row.addStretch(1)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.resize(900, 420)
        self.refresh()

    # ---- doing (in the background) ------------------------------------------------------------
    def _run(self, fn: Callable[[], Any], busy: str, on_result: Callable[[Any], None]) -> bool:
        """Run ``fn`` on a background task; ``on_result`` gets its result on the GUI thread."""
        if self.task is not None and self.task.running:
            self.status.setText(self.tr("Still working on the last request; try again in a moment."))
            return False
        for b in self.buttons:
            b.setEnabled(False)
        self.status.setText(busy)
        task = BackgroundTask(fn, "emolab-norms", self)
        task.finished.connect(on_result)
        task.errored.connect(lambda exc: self._idle(str(exc)))
        self.task = task
        task.start()
        return True

    def _idle(self, message: str) -> None:
        for b in self.buttons:
            b.setEnabled(True)
        self.status.setText(message)
        self.taskDone.emit(message)

    def refresh(self, message: str = "") -> bool:
        """Read the library again and show it; ``message`` (what was just done) stays shown."""
        db = self.db

        def listed(records: list[Any]) -> None:
            self._show(records)
            self._idle(message or self.tr("{0} studies in the norms.").format(len(records)))

        return self._run(lambda: actions.norms_records(db), self.tr("Reading the norms…"), listed)

    def add_study(self, folder: str | Path, category: str = "", brand: str = "") -> bool:
        db = self.db
        return self._run(
            lambda: actions.norms_add(folder, category, brand, db), self.tr("Adding the study…"), self.refresh
        )

    def remove_id(self, record_id: int) -> bool:
        db = self.db
        return self._run(lambda: actions.norms_remove(record_id, db), self.tr("Removing…"), self.refresh)

    def export_to(self, path: str | Path) -> bool:
        db = self.db
        return self._run(lambda: actions.norms_export(path, db), self.tr("Exporting…"), self._idle)

    def import_from(self, path: str | Path) -> bool:
        db = self.db
        return self._run(lambda: actions.norms_import(path, db), self.tr("Importing…"), self.refresh)

    def _show(self, records: list[Any]) -> None:
        self.records = records
        self.table.setRowCount(len(records))
        for i, r in enumerate(records):
            for j, key in enumerate(COLUMNS):
                self.table.setItem(i, j, QTableWidgetItem(_cell(r, key)))

    # ---- asking -------------------------------------------------------------------------------
    def ask_add(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A study folder to add to the norms"), self.start_dir)
        if not folder:
            return
        category, ok = QInputDialog.getText(self, self.tr("Category"), self.tr("Product category (e.g. snacks):"))
        if not ok:
            return
        brand, ok = QInputDialog.getText(self, self.tr("Brand"), self.tr("Brand (optional):"))
        if ok:
            self.add_study(folder, category, brand)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if rows:
            self.remove_id(int(self.records[rows[0]].id))

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the norms"), "norms.csv", "CSV (*.csv)")
        if path:
            self.export_to(path)

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import norms"), "", "CSV (*.csv)")
        if path:
            self.import_from(path)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if self.task is not None:
            self.task.wait()
        super().closeEvent(event)
