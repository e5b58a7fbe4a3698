"""File ▸ Compare studies…: choose two or more study folders and where the comparison goes.

The dialog only collects the choices; :func:`emolab.gui.actions.compare_studies` does the work
(on a :class:`~emolab.gui.tasks.BackgroundTask`, started by the window).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emolab.gui import actions


class CompareDialog(QDialog):
    """A list of study folders (the first is the baseline), an output folder and a norms category."""

    def __init__(self, parent: QWidget | None = None, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare studies"))
        self.start_dir = start_dir
        self._out_chosen = False
        self.list = QListWidget()
        self.list.setToolTip(self.tr("Study folders written by 'emolab aggregate' or 'emolab batch'"))
        add = QPushButton(self.tr("Add study folder…"))
        add.clicked.connect(self.ask_folder)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self.remove_selected)
        up = QPushButton(self.tr("Make baseline"))
        up.setToolTip(self.tr("The other variants are compared with the baseline"))
        up.clicked.connect(self.make_baseline)
        buttons = QHBoxLayout()
        for b in (add, remove, up):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.out_edit = QLineEdit()
        self.out_edit.textEdited.connect(lambda _: setattr(self, "_out_chosen", True))
        choose = QPushButton(self.tr("Choose…"))
        choose.clicked.connect(self.ask_out)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(choose)
        self.category_edit = QLineEdit()
        self.category_edit.setPlaceholderText(self.tr("each study's own category in the norms"))
        form = QFormLayout()
        form.addRow(self.tr("Write the comparison to"), out_row)
        form.addRow(self.tr("Rank among norms of category"), self.category_edit)

        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.box.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Compare"))
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Studies of the ad variants (the first is the baseline):")))
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.box)
        self.resize(640, 380)
        self._update()

    def folders(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def out_folder(self) -> str:
        return self.out_edit.text().strip()

    def category(self) -> str | None:
        return self.category_edit.text().strip() or None

    def add_folder(self, folder: str | Path) -> None:
        folder = str(Path(folder).resolve())
        if folder not in self.folders():
            self.list.addItem(folder)
        self._update()

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A study folder"), self.start_dir)
        if folder:
            self.start_dir = str(Path(folder).parent)
            self.add_folder(folder)

    def ask_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the comparison"), self.out_folder())
        if folder:
            self.out_edit.setText(folder)
            self._out_chosen = True
            self._update()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update()

    def make_baseline(self) -> None:
        row = self.list.currentRow()
        if row > 0:
            self.list.insertItem(0, self.list.takeItem(row))
            self.list.setCurrentRow(0)
        self._update()

    def _update(self) -> None:
        folders = self.folders()
        if folders and not self._out_chosen:
            self.out_edit.setText(str(actions.default_compare_folder(folders)))
        ok = self.box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(len(folders) >= 2 and bool(self.out_folder()))
