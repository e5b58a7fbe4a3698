"""The set-up form: ad, camera, respondent, consent, calibration, models, screen, folder.

It only collects choices (and remembers how to show them); the window decides what to do
with them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from emolab.errors import EmolabError
from emolab.gui import actions
from emolab.gui.ad_player import screen_names
from emolab.settings import Settings

VIDEO_FILTER = "*.mp4 *.mov *.avi *.mkv *.webm *.m4v *.mpg *.mpeg *.wmv"
ASK_FILE = "?file"  # camera-combo entry that asks for a video standing in for a camera


class PathEdit(QLineEdit):
    """A folder field that shows the end of a long path (where things go) unless it is being edited.

    A line edit scrolled to its start would show only the first folders of a long path, which
    all look alike; the whole path is in the tooltip.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.textChanged.connect(self._on_text)

    def _on_text(self, text: str) -> None:
        self.setToolTip(text)
        self._show_end()

    def _show_end(self) -> None:
        if not self.hasFocus():
            self.setCursorPosition(len(self.text()))

    def focusOutEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().focusOutEvent(event)
        self._show_end()

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        self._show_end()


class SetupPanel(QGroupBox):
    """What the marketer chooses before pressing Start."""

    openAdRequested = Signal()  # noqa: N815 (Qt naming)
    recentChosen = Signal(str)  # noqa: N815
    fullScreenRequested = Signal()  # noqa: N815
    consentChanged = Signal(bool)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Screening"))
        form = QFormLayout(self)
        #: The chosen ad's full path; the field shows its file name (a long path would be cut at
        #: its start, hiding the name) and the full path in its tooltip.
        self.ad_path = ""
        self.ad_edit = QLineEdit()
        self.ad_edit.setReadOnly(True)
        self.ad_edit.setPlaceholderText(self.tr("drop a video here or click Open"))
        self.open_btn = QPushButton(self.tr("Open…"))
        self.open_btn.clicked.connect(self.openAdRequested)
        self.recent_menu = QMenu(self.tr("Recent ads"), self)
        # A push button leaves room for its menu arrow (a tool button draws it over the text).
        self.recent_menu_btn = QPushButton(self.tr("Recent"))
        self.recent_menu_btn.setMenu(self.recent_menu)
        ad_row = QHBoxLayout()
        ad_row.addWidget(self.ad_edit, 1)
        ad_row.addWidget(self.open_btn)
        ad_row.addWidget(self.recent_menu_btn)
        form.addRow(self._buddy(self.tr("&Ad:"), self.ad_edit), ad_row)

        self.camera_combo = QComboBox()
        self.camera_combo.activated.connect(self._on_camera_activated)
        form.addRow(self._buddy(self.tr("&Camera:"), self.camera_combo), self.camera_combo)
        self.respondent_edit = QLineEdit()
        self.respondent_edit.setPlaceholderText(self.tr("pseudonym, e.g. R017"))
        form.addRow(self._buddy(self.tr("&Respondent id:"), self.respondent_edit), self.respondent_edit)
        self.consent_check = QCheckBox(self.tr("Co&nsent: the respondent agrees to being filmed and analysed"))
        self.consent_check.toggled.connect(self.consentChanged)
        form.addRow(self.consent_check)
        self.calibration_spin = QDoubleSpinBox()
        self.calibration_spin.setRange(0.0, 60.0)
        self.calibration_spin.setDecimals(0)
        self.calibration_spin.setSuffix(self.tr(" s"))
        self.calibration_spin.setToolTip(self.tr("Seconds of resting face recorded before the ad (0 = none)"))
        form.addRow(self._buddy(self.tr("Cali&bration:"), self.calibration_spin), self.calibration_spin)
        self.detector_combo = QComboBox()
        self.classifier_combo = QComboBox()
        form.addRow(self.tr("Face detector:"), self.detector_combo)
        form.addRow(self.tr("Emotion model:"), self.classifier_combo)

        self.screen_combo = QComboBox()
        self.fullscreen_btn = QToolButton()
        self.fullscreen_btn.setText(self.tr("Full screen"))
        self.fullscreen_btn.clicked.connect(self.fullScreenRequested)
        screen_row = QHBoxLayout()
        screen_row.addWidget(self.screen_combo, 1)
        screen_row.addWidget(self.fullscreen_btn)
        form.addRow(self.tr("Ad screen:"), screen_row)
        self.sessions_edit = PathEdit()
        sessions_btn = QToolButton()
        sessions_btn.setText("…")
        sessions_btn.clicked.connect(self.ask_sessions_dir)
        sessions_row = QHBoxLayout()
        sessions_row.addWidget(self.sessions_edit, 1)
        sessions_row.addWidget(sessions_btn)
        form.addRow(self.tr("Save sessions in:"), sessions_row)
        self._editable = (
            self.ad_edit, self.open_btn, self.recent_menu_btn, self.camera_combo, self.respondent_edit,
            self.consent_check, self.calibration_spin, self.detector_combo, self.classifier_combo,
            self.sessions_edit, sessions_btn,
        )  # fmt: skip

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)  # Alt+letter of the label focuses the field
        return label

    def set_editable(self, editable: bool) -> None:
        """Lock the choices while a screening runs."""
        for widget in self._editable:
            widget.setEnabled(editable)
        self.recent_menu_btn.setEnabled(editable and not self.recent_menu.isEmpty())

    def plan(self) -> actions.ScreeningPlan:
        return actions.ScreeningPlan(
            ad=self.ad_path,
            camera=self.camera_spec(),
            respondent=self.respondent_edit.text().strip(),
            consent=self.consent_check.isChecked(),
            calibration_s=self.calibration_spin.value(),
        )

    def sessions_dir(self) -> str:
        """The folder typed or chosen under "Save sessions in" (empty: the default)."""
        return self.sessions_edit.text().strip()

    def model_specs(self) -> tuple[str, str]:
        """The chosen detector and classifier specs (``auto`` by default)."""
        return self.detector_combo.currentData() or "auto", self.classifier_combo.currentData() or "auto"

    # ---- ad -----------------------------------------------------------------------------------------
    def show_ad(self, path: str) -> None:
        """Show the ad at ``path`` (kept whole in :attr:`ad_path`) by its file name."""
        self.ad_path = path
        self.ad_edit.setText(Path(path).name)
        self.ad_edit.setCursorPosition(0)
        self.ad_edit.setToolTip(path)

    def fill_recent(self, recent: list[str]) -> None:
        self.recent_menu.clear()
        for path in recent:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, p=path: self.recentChosen.emit(p))
        self.recent_menu.setEnabled(bool(recent))
        self.recent_menu_btn.setEnabled(bool(recent))

    # ---- camera -------------------------------------------------------------------------------------
    def fill_cameras(self, current: str) -> None:
        """The cameras the system lists, then "a video file as camera"."""
        self.camera_combo.clear()
        for label, spec in actions.camera_choices():
            self.camera_combo.addItem(label, spec)
        if self.camera_combo.count() == 0:
            self.camera_combo.addItem(self.tr("(no camera found)"), "")
        self.camera_combo.addItem(self.tr("Video file as camera…"), ASK_FILE)
        if current:
            self.set_camera(current)

    def camera_spec(self) -> str:
        spec = self.camera_combo.currentData()
        return "" if spec in (None, ASK_FILE) else str(spec)

    def set_camera(self, spec: str) -> None:
        """Select a camera index, or a video file standing in for one (kept as an absolute path)."""
        if spec and not spec.isdigit():
            spec = str(Path(spec).expanduser().resolve())
        idx = self.camera_combo.findData(spec)
        if idx < 0:
            label = Path(spec).name if not spec.isdigit() else self.tr("Camera {0}").format(spec)
            self.camera_combo.insertItem(self.camera_combo.count() - 1, label, spec)
            idx = self.camera_combo.findData(spec)
            self.camera_combo.setItemData(idx, spec, Qt.ItemDataRole.ToolTipRole)
        self.camera_combo.setCurrentIndex(idx)

    def _on_camera_activated(self, index: int) -> None:
        if self.camera_combo.itemData(index) == ASK_FILE:
            self.ask_camera_file()

    def ask_camera_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Video standing in for the camera"), "", self.tr("Videos ({0})").format(VIDEO_FILTER)
        )
        if path:
            self.set_camera(path)
        elif self.camera_combo.currentData() == ASK_FILE:
            self.camera_combo.setCurrentIndex(0)

    # ---- models, screen, folder ---------------------------------------------------------------------
    def fill_models(self, settings: Settings, detector: str, classifier: str) -> str | None:
        """Offer the installed models (as ``emolab models`` lists them); returns an error, if any."""
        error = None
        try:
            choices, errors = actions.model_choices(settings)
            error = "\n".join(errors) or None
        except EmolabError as exc:
            error = str(exc)
            choices = {"detector": [("auto", "auto")], "classifier": [("auto", "auto")]}
        for combo, key, current in (
            (self.detector_combo, "detector", detector),
            (self.classifier_combo, "classifier", classifier),
        ):
            combo.clear()
            for label, spec in choices[key]:
                combo.addItem(label, spec)
            if current and combo.findData(current) < 0:
                combo.addItem(Path(current).name if Path(current).suffix else current, current)  # a file path
            combo.setCurrentIndex(max(0, combo.findData(current)))
        return error

    def fill_screens(self, current: str) -> None:
        self.screen_combo.clear()
        screens = QGuiApplication.screens()
        for name, screen in zip(screen_names(screens), screens):
            self.screen_combo.addItem(name, screen.name())
        # Default to a second monitor when there is one: the respondent's screen.
        idx = self.screen_combo.findText(current)
        self.screen_combo.setCurrentIndex(idx if idx >= 0 else (1 if len(screens) > 1 else 0))

    def ask_sessions_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Save sessions in"), self.sessions_edit.text())
        if path:
            self.sessions_edit.setText(path)
