"""The screening-room window: ad pane, camera preview, live curves, controls and status."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emolab.adclock import AdClock
from emolab.errors import EmolabError
from emolab.gui import actions
from emolab.gui.ad_player import AdPlayer, FullScreenAd
from emolab.gui.message_bar import MessageBar
from emolab.gui.plots import EmotionCurves
from emolab.gui.preview import CameraPreview
from emolab.gui.setup_panel import VIDEO_FILTER, SetupPanel
from emolab.gui.tasks import BackgroundTask
from emolab.gui.worker import LiveResult, ScreeningConfig, ScreeningWorker, SessionOutcome
from emolab.outputs import check_writable
from emolab.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class WindowOptions:
    """Choices made on the command line; they override what QSettings remembers."""

    ad: str | None = None
    camera: str | None = None
    respondent: str | None = None
    consent: bool = False
    calibration_s: float | None = None
    autostart: bool = False
    stop_after_s: float | None = None  # end the screening this long after the ad starts
    quit_when_done: bool = False
    loop_video: bool = True
    sessions_dir: str | None = None
    detector: str | None = None
    classifier: str | None = None


class MainWindow(QMainWindow):
    """Controls on the left, the ad and the live curves on the right, measures at the bottom."""

    #: Emitted on the GUI thread once a screening's session is closed (a SessionOutcome).
    screeningFinished = Signal(object)  # noqa: N815 (Qt naming)
    #: Emitted when the models are loaded and the ad (or its calibration) starts.
    screeningStarted = Signal()  # noqa: N815 (Qt naming)

    def __init__(self, settings: Settings, store: QSettings, options: WindowOptions | None = None) -> None:
        super().__init__()
        self.base_settings = settings
        self.store = store
        self.options = options or WindowOptions()
        self.clock = AdClock()
        self.thread: QThread | None = None
        self.worker: ScreeningWorker | None = None
        self.last_outcome: SessionOutcome | None = None
        self.about_dialog: QWidget | None = None  # made when first asked for
        self.norms_dialog: QWidget | None = None
        #: Work running off the GUI thread (comparisons); waited for when the window closes.
        self.tasks: list[BackgroundTask] = []
        self._pipeline_cache: tuple[tuple, object] | None = None
        self._latest: LiveResult | None = None
        self._shown_latency_ms = 0.0
        self._stopped_at_ms: float | None = None  # where the ad was when the operator stopped it
        self._fullscreen: FullScreenAd | None = None
        self.state = "idle"  # idle | loading | running | paused | stopping
        self.setWindowTitle(self.tr("emolab — screening room"))
        self.setAcceptDrops(True)

        self.ad_player = AdPlayer(self.clock, self)
        self.ad_player.ended.connect(self._on_ad_ended)
        self.ad_player.errored.connect(lambda text: self.message.show_message("error", text))
        self.ad_player.durationChanged.connect(self._on_duration)
        self.curves = EmotionCurves(self.ad_player.position_ms)
        self.preview = CameraPreview()
        self.message = MessageBar()
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.timeout.connect(lambda: self.stop(reason="stop-after time reached"))
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._refresh_live)

        self._build_actions()
        self._build_ui()
        self._build_menus()
        self._restore()
        self._apply_options()
        self._update_controls()
        if self.options.autostart:
            QTimer.singleShot(0, self._autostart)

    # ---- construction -------------------------------------------------------------------------
    def _action(self, text: str, shortcut: QKeySequence | str | None, slot: object, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        tip = tip or text.replace("&", "")
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{tip} ({keys})" if keys else tip)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        self.act_open = self._action(self.tr("&Open ad…"), QKeySequence.StandardKey.Open, self.ask_ad)
        self.act_camera_file = self._action(
            self.tr("Use a &video file as camera…"), "Ctrl+Shift+O", lambda: self.setup.ask_camera_file()
        )
        self.act_start = self._action(
            self.tr("&Start"), "F5", self.start, self.tr("Start the camera analysis and the ad together")
        )
        self.act_pause = self._action(
            self.tr("&Pause"), "F6", self.toggle_pause, self.tr("Pause or resume the ad and the analysis together")
        )
        self.act_stop = self._action(self.tr("S&top"), "F8", lambda: self.stop(), self.tr("Stop and save the session"))
        self.act_fullscreen = self._action(
            self.tr("Ad &full screen"),
            "F11",
            self.toggle_fullscreen,
            self.tr("Show the ad full screen on the chosen screen"),
        )
        self.act_report = self._action(self.tr("Open session &report"), "Ctrl+R", self.open_report)
        self.act_study = self._action(self.tr("Study report from a &folder…"), "Ctrl+Shift+R", self.ask_study)
        self.act_folder = self._action(self.tr("Open session f&older"), "Ctrl+Shift+F", self.open_folder)
        self.act_compare = self._action(
            self.tr("&Compare studies…"),
            "Ctrl+Shift+C",
            self.ask_compare,
            self.tr("Compare studies of ad variants: which cut works better, where, and how sure"),
        )
        self.act_norms = self._action(
            self.tr("&Norms…"), None, self.show_norms, self.tr("The norms library every ad is ranked against")
        )
        self.act_quit = self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit, self.close)
        self.act_about = self._action(
            self.tr("&About emolab…"), None, self.show_about, self.tr("Version, licence and third-party notices")
        )
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)
        self.act_about_qt = self._action(self.tr("About &Qt…"), None, QApplication.aboutQt)
        self.act_about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)

    def _build_ui(self) -> None:
        # Left: the set-up form, the buttons, the camera preview.
        self.setup = SetupPanel()
        self.setup.openAdRequested.connect(self.ask_ad)
        self.setup.recentChosen.connect(self.set_ad)
        self.setup.fullScreenRequested.connect(self.toggle_fullscreen)
        self.setup.consentChanged.connect(self._update_controls)
        self.setup.open_btn.setToolTip(self.act_open.toolTip())
        self.setup.fullscreen_btn.setToolTip(self.act_fullscreen.toolTip())

        buttons = QHBoxLayout()
        self.start_btn = QPushButton(self.tr("Start"))
        self.start_btn.setStyleSheet("QPushButton:enabled { background:#1e8e3e; color:white; font-weight:bold; }")
        self.start_btn.clicked.connect(self.start)
        self.pause_btn = QPushButton(self.tr("Pause"))
        self.pause_btn.clicked.connect(self.toggle_pause)
        self.stop_btn = QPushButton(self.tr("Stop"))
        self.stop_btn.setStyleSheet("QPushButton:enabled { background:#c5221f; color:white; font-weight:bold; }")
        self.stop_btn.clicked.connect(lambda: self.stop())
        pairs = ((self.start_btn, self.act_start), (self.pause_btn, self.act_pause), (self.stop_btn, self.act_stop))
        for b, act in pairs:
            b.setMinimumHeight(34)
            b.setToolTip(act.toolTip())
            buttons.addWidget(b)

        preview_box = QGroupBox(self.tr("Camera (latest analysed frame)"))
        pv = QVBoxLayout(preview_box)
        pv.setContentsMargins(4, 4, 4, 4)
        pv.addWidget(self.preview)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.setup)
        lv.addLayout(buttons)
        lv.addWidget(preview_box, 1)

        ad_title = self.tr("Ad (what the respondent sees)")
        if self.ad_player.audio is None:  # said here, once, instead of Qt's PulseAudio message on the terminal
            ad_title += " — " + self.tr("no sound device: the ad plays without sound")
        ad_box = QGroupBox(ad_title)
        av = QVBoxLayout(ad_box)
        av.setContentsMargins(4, 4, 4, 4)
        self.ad_holder = av
        av.addWidget(self.ad_player.pane)
        curves_box = QGroupBox(self.tr("Live emotions and attention against ad time"))
        cv = QVBoxLayout(curves_box)
        cv.setContentsMargins(4, 4, 4, 4)
        cv.addWidget(self.curves)

        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(ad_box)
        self.right_split.addWidget(curves_box)
        self.right_split.setStretchFactor(0, 3)
        self.right_split.setStretchFactor(1, 2)
        self.right_split.setSizes([520, 420])  # the ad is what the room is about: give it the most room
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(left)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([380, 900])

        central = QWidget()
        cvl = QVBoxLayout(central)
        cvl.setContentsMargins(6, 6, 6, 0)
        cvl.addWidget(self.message)
        cvl.addWidget(self.main_split, 1)
        self.setCentralWidget(central)

        sb = self.statusBar()
        self.state_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)  # busy: model loading has no measurable steps
        self.progress_bar.setMaximumWidth(140)
        self.progress_bar.hide()
        self.fps_label, self.latency_label, self.face_label, self.dropped_label = (QLabel() for _ in range(4))
        self.models_label = QLabel(self.tr("Models: loaded at Start"))
        sb.addWidget(self.state_label, 1)
        sb.addWidget(self.progress_bar)
        self.state_label.setStyleSheet("font-weight: bold;")
        for lab in (self.fps_label, self.latency_label, self.face_label, self.dropped_label, self.models_label):
            lab.setContentsMargins(8, 0, 8, 0)
            sb.addPermanentWidget(lab)
        self._show_live_stats(None)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.act_open)
        file_menu.addMenu(self.setup.recent_menu)
        file_menu.addAction(self.act_camera_file)
        file_menu.addSeparator()
        file_menu.addAction(self.act_folder)
        file_menu.addAction(self.act_report)
        file_menu.addAction(self.act_study)
        file_menu.addAction(self.act_compare)
        file_menu.addAction(self.act_norms)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        screening = self.menuBar().addMenu(self.tr("&Screening"))
        for act in (self.act_start, self.act_pause, self.act_stop, self.act_fullscreen):
            screening.addAction(act)
        lang_menu = self.menuBar().addMenu(self.tr("&Language"))
        lang_group = QActionGroup(self)  # one choice at a time
        for code, name in (("", self.tr("System language")), ("en", "English"), ("ru", "Русский")):
            act = lang_menu.addAction(name)
            lang_group.addAction(act)
            act.setCheckable(True)
            act.setChecked(str(self.store.value("language", "")) == code)
            act.triggered.connect(lambda _=False, c=code: self.set_language(c))
        self.help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.help_menu.addAction(self.act_about)
        self.help_menu.addAction(self.act_about_qt)

    def show_about(self) -> None:
        """The About dialog (version, licence, third-party notices); one at a time."""
        from emolab.gui.about import AboutDialog

        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()

    # ---- remembered settings ------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.store
        geometry = s.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            avail = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(max(1024, min(1600, int(avail.width() * 0.9))), max(700, min(1000, int(avail.height() * 0.9))))
        self.recent = [str(p) for p in (s.value("recent_ads", []) or []) if Path(str(p)).is_file()]
        self.setup.fill_recent(self.recent)
        self.setup.fill_cameras(str(s.value("camera", "")))
        self.setup.calibration_spin.setValue(float(s.value("calibration_s", self.base_settings.calibration_s)))
        self.setup.sessions_edit.setText(str(s.value("sessions_dir", self.base_settings.sessions_dir)))
        self._fill_models(
            str(s.value("detector", self.base_settings.detector)),
            str(s.value("classifier", self.base_settings.classifier)),
        )
        self.setup.fill_screens(str(s.value("screen", "")))
        ad = str(s.value("ad", ""))
        if ad and Path(ad).is_file():
            self.set_ad(ad, remember=False)

    def _save(self) -> None:
        s = self.store
        s.setValue("geometry", self.saveGeometry())
        s.setValue("recent_ads", self.recent)
        s.setValue("ad", self.setup.ad_path)
        s.setValue("camera", self.setup.camera_spec())
        s.setValue("calibration_s", self.setup.calibration_spin.value())
        s.setValue("sessions_dir", self.setup.sessions_edit.text())
        detector, classifier = self.setup.model_specs()
        s.setValue("detector", detector)
        s.setValue("classifier", classifier)
        s.setValue("screen", self.setup.screen_combo.currentText())
        s.sync()

    def _apply_options(self) -> None:
        o = self.options
        if o.ad:
            self.set_ad(o.ad)
        if o.camera is not None:
            self.setup.set_camera(str(o.camera))
        if o.respondent:
            self.setup.respondent_edit.setText(o.respondent)
        if o.consent:
            self.setup.consent_check.setChecked(True)
        if o.calibration_s is not None:
            self.setup.calibration_spin.setValue(o.calibration_s)
        if o.sessions_dir:
            self.setup.sessions_edit.setText(str(o.sessions_dir))
        if o.detector or o.classifier:
            detector, classifier = self.setup.model_specs()
            self._fill_models(o.detector or detector, o.classifier or classifier)

    def _fill_models(self, detector: str, classifier: str) -> None:
        error = self.setup.fill_models(self.base_settings, detector, classifier)
        if error:
            self.message.show_message("error", error)

    # ---- choosing things ----------------------------------------------------------------------
    def ask_ad(self) -> None:
        start = str(Path(self.setup.ad_path).parent) if self.setup.ad_path else ""
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open ad"), start, self.tr("Videos ({0})").format(VIDEO_FILTER)
        )
        if path:
            self.set_ad(path)

    def set_ad(self, path: str, remember: bool = True) -> None:
        if not Path(path).is_file():
            self.message.show_message("error", self.tr("The ad file {0} does not exist.").format(path))
            return
        self.setup.show_ad(str(Path(path).resolve()))
        self.ad_player.load(path)
        if remember:
            self.recent = actions.add_recent(self.recent, path)
            self.setup.fill_recent(self.recent)
        self._update_controls()

    def set_language(self, code: str) -> None:
        self.store.setValue("language", code)
        self.message.show_message("info", self.tr("The language changes the next time emolab starts."))

    def dragEnterEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and actions.is_video_file(urls[0].toLocalFile()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if self.state == "idle":
            self.set_ad(event.mimeData().urls()[0].toLocalFile())

    # ---- the screening ------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the camera worker; the ad starts once the models are loaded."""
        if self.state != "idle":
            return False
        plan = self.setup.plan()
        problems = actions.plan_problems(plan)
        if problems:
            self.message.show_message("warning", "\n".join(problems))
            return False
        detector, classifier = self.setup.model_specs()
        try:
            settings = self.base_settings.replace(
                detector=detector,
                classifier=classifier,
                sessions_dir=self.setup.sessions_dir() or str(self.base_settings.sessions_dir),
                calibration_s=plan.calibration_s,
            )
            check_writable(  # before loading the models: a screening that cannot be saved must not start
                settings.sessions_dir, self.tr("the session"), self.tr("choose another folder in “Save sessions in”")
            )
        except EmolabError as exc:
            self.message.show_message("error", str(exc))
            return False
        key = (settings.detector, settings.classifier, str(settings.models_dir), settings.trust_pickles)
        cached = self._pipeline_cache[1] if self._pipeline_cache and self._pipeline_cache[0] == key else None
        self._pipeline_key = key
        config = ScreeningConfig(
            settings=settings,
            ad_path=Path(plan.ad),
            camera=plan.camera,
            respondent=plan.respondent,
            calibration_s=plan.calibration_s,
            loop_video=self.options.loop_video,
            pipeline=cached,
            consent_source="command line" if self.options.consent else "checkbox",
        )
        self._save()
        self.start_worker(config)
        return True

    def _autostart(self) -> None:
        if not self.start() and self.options.quit_when_done:
            log.error("cannot start the screening: %s", self.message.label.text())
            self.close()

    def start_worker(self, config: ScreeningConfig) -> None:
        """Run ``config`` (the window's own plan, or one a test or tool made)."""
        self.message.hide()
        self._stopped_at_ms = None
        self.curves.clear()
        self._latest = None
        self.last_outcome = None
        self.preview.show_message(self.tr("Starting the camera…"))
        self.worker = ScreeningWorker(config, self.clock)
        self.thread = QThread(self)
        self.thread.setObjectName("emolab-screening")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._on_progress)
        self.worker.ready.connect(self._on_ready)
        self.worker.result.connect(self._on_result)
        self.worker.errored.connect(self._on_error)
        self.worker.sessionSaved.connect(self._on_saved)
        self.worker.finished.connect(self._on_worker_finished)
        self._set_state("loading")
        self.progress_bar.show()
        self.thread.start()

    def _on_progress(self, text: str) -> None:
        self.state_label.setText(text)

    def _on_ready(self, description: str) -> None:
        if self.worker is None or self.worker.stopping:
            return
        self.progress_bar.hide()
        self.models_label.setText(self.tr("Models: {0}").format(description))
        self._set_state("running")
        self.ad_player.start(self.worker.config.calibration_s)
        self.worker.begin()
        self.curves.start()
        self._status_timer.start()
        if self.options.stop_after_s:
            self._stop_timer.start(round(self.options.stop_after_s * 1000))
        self.screeningStarted.emit()

    def _on_result(self, live: LiveResult) -> None:
        # Results only feed buffers here; drawing happens on timers.
        self._latest = live
        # Capture → on screen, including any wait in the GUI thread's queue (the worker's own
        # figure, live.latency_ms, stops at the result).
        self._shown_latency_ms = (time.monotonic() - live.result.captured_at) * 1000.0
        log.debug("result latency %.0f ms, shown after %.0f ms", live.latency_ms, self._shown_latency_ms)
        faces = live.result.faces
        no_landmarks = faces and all(f.landmarks is None for f in faces)  # attention unknown, not 0
        self.curves.add(live.ad_ms, [f.smoothed for f in faces], None if no_landmarks else [f.attentive for f in faces])
        self.preview.show_frame(live.preview, live.preview_scale, list(live.result.faces))

    def _on_error(self, exc: object) -> None:
        text = str(exc) if isinstance(exc, EmolabError) else self.tr("Unexpected error: {0}").format(exc)
        log.warning("screening error: %s", text)
        self.message.show_message("error", text)

    def toggle_pause(self) -> None:
        if self.state == "running":
            self.ad_player.pause()
            self.worker.pause()
            self._set_state("paused")
        elif self.state == "paused":
            self.worker.resume()
            self.ad_player.resume()
            self._set_state("running")

    def stop(self, status: str | None = None, reason: str = "stopped by the operator") -> None:
        """End the screening; the worker closes the session and reports where it is."""
        if self.worker is None or self.state in ("idle", "stopping"):
            return
        self._stop_timer.stop()
        self._stopped_at_ms = self.ad_player.position_ms()
        self.ad_player.pause()  # freeze the ad clock now; frames already captured keep their stamps
        self.worker.stop(status or "stopped", reason)
        self._set_state("stopping")

    def _on_ad_ended(self) -> None:
        self.stop(status="complete", reason="the ad ended")

    def _on_saved(self, outcome: SessionOutcome) -> None:
        self.last_outcome = outcome
        if outcome.pipeline is not None:
            self._pipeline_cache = (self._pipeline_key, outcome.pipeline)
        if outcome.folder is None:
            return  # could not start; the error is already shown
        warnings = (outcome.summary or {}).get("warnings") or []
        stopped_at = self._stopped_at_ms
        if outcome.status == "failed":
            kind, head = "error", self.tr("The screening ended early; what was recorded is saved in {0}.")
        elif outcome.status == "stopped" and stopped_at is not None and 0 <= stopped_at < self._ad_duration_ms():
            kind = "warning" if warnings else "ok"
            head = (
                self.tr("Stopped at {0} of the {1} ad. Session saved in {{0}}, but its numbers should not be trusted:")
                if warnings
                else self.tr("Stopped at {0} of the {1} ad. Session saved in {{0}}.")
            ).format(_position_text(stopped_at), _position_text(self._ad_duration_ms()))
        elif warnings:
            kind, head = "warning", self.tr("Session saved in {0}, but its numbers should not be trusted:")
        else:
            kind, head = "ok", self.tr("Session saved in {0}.")
        text = head.format(outcome.folder)
        if outcome.status == "failed" and outcome.reason:
            text += "\n" + outcome.reason
        if outcome.summary is None:  # e.g. a full disk: the timeline is kept, the summary is not written
            text += "\n" + self.tr(
                "Its summary could not be written. Once there is room, run: emolab summary --rebuild {0}"
            ).format(outcome.folder)
        for warning in warnings:  # the engine's own sentences: session.json and reports say the same
            text += "\n" + self.tr("Warning: {0}").format(warning["text"])
        self.message.show_message(
            kind, text, [(self.tr("Open folder"), self.open_folder), (self.tr("Open report"), self.open_report)]
        )

    def _on_worker_finished(self) -> None:
        self._release_thread()
        self._set_state("idle")
        self._refresh_live()
        outcome = self.last_outcome
        self.screeningFinished.emit(outcome)
        if self.options.quit_when_done:
            QTimer.singleShot(0, self.close)

    def _release_thread(self, timeout_ms: int = 5000) -> None:
        """Stop timers and the ad, and wait for the (finishing) worker thread to end."""
        self._status_timer.stop()
        self._stop_timer.stop()
        self.curves.stop()
        self.ad_player.stop()
        if self.thread is not None:
            self.thread.quit()
            if not self.thread.wait(timeout_ms):
                log.error("the screening thread did not stop within %d ms", timeout_ms)
                return
            self.thread.deleteLater()
        if self.worker is not None:
            self.worker.deleteLater()
        self.thread = self.worker = None
        self.progress_bar.hide()

    # ---- state and status ---------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        texts = {
            "idle": self.tr("Ready"),
            "loading": self.tr("Loading models…"),
            "running": self.tr("Recording"),
            "paused": self.tr("Paused"),
            "stopping": self.tr("Saving the session…"),
        }
        self.state_label.setText(texts[state])
        self._update_controls()

    def _update_controls(self) -> None:
        idle = self.state == "idle"
        self.setup.set_editable(idle)
        self.act_open.setEnabled(idle)
        self.act_camera_file.setEnabled(idle)
        can_start = idle and self.setup.consent_check.isChecked()
        self.act_start.setEnabled(can_start)
        self.start_btn.setEnabled(can_start)
        self.start_btn.setToolTip(
            self.act_start.toolTip() if self.setup.consent_check.isChecked() else self.tr("Tick the consent box first")
        )
        running = self.state in ("running", "paused")
        self.act_pause.setEnabled(running)
        self.pause_btn.setEnabled(running)
        self.pause_btn.setText(self.tr("Resume") if self.state == "paused" else self.tr("Pause"))
        self.act_pause.setText(self.tr("&Resume") if self.state == "paused" else self.tr("&Pause"))
        self.act_stop.setEnabled(self.state in ("loading", "running", "paused"))
        self.stop_btn.setEnabled(self.act_stop.isEnabled())
        has_session = self.last_outcome is not None and self.last_outcome.folder is not None
        self.act_report.setEnabled(has_session)
        self.act_folder.setEnabled(has_session)

    def _refresh_live(self) -> None:
        self._show_live_stats(self._latest)
        pos = self.ad_player.position_ms()
        if pos is not None and self.state in ("running", "paused"):
            what = (
                self.tr("Paused")
                if self.state == "paused"
                else (self.tr("Calibrating") if pos < 0 else self.tr("Recording"))
            )
            self.state_label.setText(
                self.tr("{0} — ad {1} / {2}").format(
                    what, _clock_text(pos), _clock_text(self.ad_player.player.duration())
                )
            )

    def _show_live_stats(self, live: LiveResult | None) -> None:
        if live is None:
            for lab in (self.fps_label, self.latency_label, self.face_label, self.dropped_label):
                lab.setText("")
            self.fps_label.setText(self.tr("Processing: – fps"))
            return
        self.fps_label.setText(self.tr("Processing: {0:.1f} fps").format(live.fps))
        self.latency_label.setText(self.tr("Latency: {0:.0f} ms").format(self._shown_latency_ms))
        self.face_label.setText(self.tr("Face found: {0:.0f}% of frames").format(live.face_ratio * 100))
        self.dropped_label.setText(self.tr("Dropped: {0} frames").format(live.dropped))

    def _ad_duration_ms(self) -> float:
        return float(self.ad_player.player.duration())

    def _on_duration(self, duration_ms: int) -> None:
        if duration_ms > 0:
            self.curves.set_time_range(-self.setup.calibration_spin.value() * 1000.0, float(duration_ms))

    # ---- sessions and reports -----------------------------------------------------------------
    def open_folder(self) -> None:
        if self.last_outcome and self.last_outcome.folder:
            self.open_path(
                self.last_outcome.folder, self.tr("The file manager could not be opened. The session folder is:")
            )

    def open_report(self) -> None:
        if not (self.last_outcome and self.last_outcome.folder):
            return
        try:
            path = actions.build_session_report(self.last_outcome.folder)
        except EmolabError as exc:
            self.message.show_message("warning", str(exc))
            return
        self.open_path(path, self.tr("The report is written, but no web browser could be opened. It is here:"))

    def open_path(self, path: str | Path, failure: str) -> bool:
        """Open ``path`` with the system's application; if that fails, say where it is (never silently)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            return True
        log.warning("could not open %s with the system's default application", path)
        self.message.show_message(
            "warning", f"{failure}\n{path}", [(self.tr("Copy path"), lambda: self.copy_path(path))]
        )
        return False

    def copy_path(self, path: str | Path) -> None:
        QGuiApplication.clipboard().setText(str(path))
        self.message.show_message("info", self.tr("Copied to the clipboard: {0}").format(path))

    def ask_study(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder with the sessions of one ad"), self.setup.sessions_edit.text()
        )
        if folder:
            self.open_study(folder)

    def open_study(self, folder: str | Path) -> Path | None:
        try:
            path = actions.build_study_report(folder)
        except EmolabError as exc:
            self.message.show_message("warning", str(exc))
            return None
        self.open_path(path, self.tr("The study report is written, but no web browser could be opened. It is here:"))
        return path

    def ask_compare(self) -> None:
        from emolab.gui.compare_dialog import CompareDialog

        dialog = CompareDialog(self, self.setup.sessions_edit.text())
        if dialog.exec() == CompareDialog.DialogCode.Accepted:
            self.compare_studies(dialog.folders(), dialog.out_folder(), dialog.category())

    def compare_studies(self, folders: list[str], out: str, category: str | None = None) -> BackgroundTask:
        """Compare ``folders`` into ``out`` off the GUI thread, then open the comparison."""
        self.message.show_message("info", self.tr("Comparing {0} studies…").format(len(folders)))
        task = BackgroundTask(lambda: actions.compare_studies(folders, out, category), "emolab-compare", self)
        task.finished.connect(self._compared)
        task.errored.connect(lambda exc: self.message.show_message("warning", str(exc)))
        task.finished.connect(lambda _: self.tasks.remove(task))
        task.errored.connect(lambda _: self.tasks.remove(task))
        self.tasks.append(task)
        task.start()
        return task

    def _compared(self, path: object) -> None:
        self.message.show_message("info", self.tr("Comparison written to {0}").format(path))
        self.open_path(
            Path(str(path)), self.tr("The comparison is written, but no web browser could be opened. It is here:")
        )

    def show_norms(self) -> None:
        from emolab.gui.norms_dialog import NormsDialog

        if self.norms_dialog is None:
            self.norms_dialog = NormsDialog(self, start_dir=self.setup.sessions_edit.text())
        else:
            self.norms_dialog.refresh()
        self.norms_dialog.show()
        self.norms_dialog.activateWindow()

    # ---- full screen --------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        if self._fullscreen is not None:
            self._fullscreen.close()
            return
        screens = {s.name(): s for s in QGuiApplication.screens()}
        screen = screens.get(self.setup.screen_combo.currentData()) or QGuiApplication.primaryScreen()
        fs = FullScreenAd()
        self.ad_holder.removeWidget(self.ad_player.pane)
        fs.layout_.addWidget(self.ad_player.pane)
        fs.closed.connect(self._leave_fullscreen)
        fs.setScreen(screen)
        fs.setGeometry(screen.geometry())
        fs.showFullScreen()
        self._fullscreen = fs

    def _leave_fullscreen(self) -> None:
        fs, self._fullscreen = self._fullscreen, None
        if fs is not None:
            fs.layout_.removeWidget(self.ad_player.pane)
            self.ad_holder.addWidget(self.ad_player.pane)
            fs.deleteLater()

    # ---- shutting down ------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Stop any screening (its session is saved) and wait for the worker thread and background work."""
        if self.worker is not None:
            self.worker.stop("stopped", "the window was closed")
        self._release_thread(timeout_ms)
        for task in [*self.tasks, *([self.norms_dialog.task] if self.norms_dialog and self.norms_dialog.task else [])]:
            task.wait(timeout_ms)
        if self.state != "idle":
            self._set_state("idle")
        self.ad_player.close()
        if self._fullscreen is not None:
            self._fullscreen.close()

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if (
            self.state in ("running", "paused")
            and not self.options.quit_when_done
            and self.isVisible()
            and not self.options.autostart
        ):
            answer = QMessageBox.question(
                self,
                self.tr("Stop the screening?"),
                self.tr("A screening is running. Stop it, save the session and quit?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        self._save()
        super().closeEvent(event)


def _position_text(ms: float) -> str:
    """``m:ss.s``: a position in the ad to the tenth of a second (as the reports write it)."""
    minutes, seconds = divmod(round(max(0.0, ms) / 100.0) / 10.0, 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _clock_text(ms: float) -> str:
    """``m:ss`` (``-0:03`` during calibration)."""
    sign = "-" if ms < 0 else ""
    sec = int(abs(ms) // 1000)
    return f"{sign}{sec // 60}:{sec % 60:02d}"
