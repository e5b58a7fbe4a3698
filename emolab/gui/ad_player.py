"""The ad pane: QMediaPlayer with picture and sound, and the calibration countdown.

The player drives the :class:`~emolab.adclock.AdClock` every result is stamped with.
The clock is updated on the GUI thread from the player's position and state signals; the
worker reads it from its own thread.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QScreen, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from emolab.adclock import AdClock
from emolab.gui.qtlog import PULSEAUDIO_ABSENT, quiet

log = logging.getLogger(__name__)


class AdPane(QWidget):
    """What the respondent sees: the video, or a calm message (before the ad, calibration)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("background: black;")
        self.video = QVideoWidget(self)
        self.video.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #dddddd; font-size: 20pt; background: black;")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.video)
        self.setMinimumSize(320, 180)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def show_video(self) -> None:
        self._stack.setCurrentWidget(self.video)


class FullScreenAd(QWidget):
    """A borderless window on a chosen screen that hosts the :class:`AdPane` while open."""

    closed = Signal()

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle(self.tr("emolab — ad"))
        self.setStyleSheet("background: black;")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.close)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self.closed.emit()
        super().closeEvent(event)


class AdPlayer(QObject):
    """Plays the ad and keeps ``clock`` in step with it.

    States: idle → calibration (clock counts up from −calibration to 0, the pane asks the
    respondent to relax) → ad (the player runs) → idle. :meth:`pause` / :meth:`resume` freeze
    and restart whichever is running. Each :meth:`start` begins a new playback of the clock:
    within it the clock only moves forward, and once the media ends it runs on past the ad's
    duration (what is captured then is after the ad, not in it).
    """

    ended = Signal()  # the ad played to its end
    errored = Signal(str)
    durationChanged = Signal(int)  # noqa: N815 (Qt naming)

    def __init__(self, clock: AdClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.pane = AdPane()
        self.player = QMediaPlayer(self)
        # Only with a sound device: besides being useless without one, a QAudioOutput made in
        # Python is a PySide wrapper whose disconnectNotify needs the GIL when Qt's FFmpeg
        # threads tear down their audio renderer, which can deadlock with the GUI thread.
        self.audio: QAudioOutput | None = None
        with quiet(PULSEAUDIO_ABSENT):  # no sound server: said once, in the window
            outputs = QMediaDevices.audioOutputs()
        if outputs:
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
        else:
            log.info("no audio output device: the ad plays without sound")
        self.player.setVideoOutput(self.pane.video)
        self.state = "idle"
        self.paused = False
        self._cal_timer = QTimer(self)
        self._cal_timer.setSingleShot(True)
        self._cal_timer.timeout.connect(self._start_ad)
        self.player.positionChanged.connect(self._sync)
        self.player.playbackStateChanged.connect(self._sync)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)
        self.player.durationChanged.connect(lambda ms: self.durationChanged.emit(int(ms)))
        self.pane.show_message(self.tr("Open an ad to begin"))

    def load(self, path: str | Path) -> None:
        self.player.setSource(QUrl.fromLocalFile(str(Path(path).resolve())))
        self.pane.show_message(self.tr("Ready"))

    @property
    def active(self) -> bool:
        return self.state != "idle"

    def position_ms(self) -> float | None:
        """The ad position now (negative while calibrating); None when nothing runs."""
        return self.clock.ad_ms_at(time.monotonic()) if self.active else None

    def start(self, calibration_s: float = 0.0) -> None:
        """Start the calibration countdown, or the ad straight away."""
        self.paused = False
        self.player.pause()  # pause, not stop: stopping tears the playback engine down (see above)
        # A new playback: the only time the clock goes back. It stops at 0 until the ad starts.
        self.clock.start(-max(0.0, calibration_s) * 1000.0, limit_ms=0.0)
        if calibration_s > 0:
            self.state = "calibration"
            self.pane.show_message(self.tr("Please look at the screen and relax.\nThe ad starts in a moment."))
            self._cal_timer.start(round(calibration_s * 1000))
        else:
            self._start_ad()

    def _start_ad(self) -> None:
        self.state = "ad"
        self.pane.show_video()
        self.player.setPosition(0)
        self.clock.update(0.0, playing=True, duration_ms=self.player.duration())
        self.player.play()

    def pause(self) -> None:
        if not self.active or self.paused:
            return
        self.paused = True
        if self.state == "calibration":
            self._cal_remaining_ms = max(0, self._cal_timer.remainingTime())
            self._cal_timer.stop()
            self.clock.update(-float(self._cal_remaining_ms), playing=False)
        else:
            self.player.pause()
            self.clock.update(float(self.player.position()), playing=False)

    def resume(self) -> None:
        if not self.active or not self.paused:
            return
        self.paused = False
        if self.state == "calibration":
            self.clock.update(-float(self._cal_remaining_ms), playing=True)
            self._cal_timer.start(self._cal_remaining_ms)
        else:
            self.clock.update(float(self.player.position()), playing=True)
            self.player.play()

    def stop(self) -> None:
        """Freeze the clock where it is and stop the ad."""
        if not self.active:
            return
        self.clock.hold()
        self.state = "idle"
        self.paused = False
        self._cal_timer.stop()
        self.player.pause()
        self.pane.show_message(self.tr("The screening has ended. Thank you!"))

    def _sync(self, *_: object) -> None:
        if self.state != "ad":
            return  # during calibration the countdown owns the clock
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self.clock.update(
            float(self.player.position()), playing=playing and not self.paused, duration_ms=self.player.duration()
        )

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia and self.state == "ad":
            self.clock.end()  # from now on the player's position (often back at 0) is not ad time
            self.ended.emit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._on_error(QMediaPlayer.Error.FormatError, self.player.errorString())

    def _on_error(self, error: QMediaPlayer.Error, text: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        msg = self.tr("The ad cannot be played ({0}); convert it to H.264 MP4 and open it again.").format(
            text or self.tr("unknown error")
        )
        log.warning("%s", msg)
        self.errored.emit(msg)

    def close(self) -> None:
        self._cal_timer.stop()
        self.player.stop()


def screen_names(screens: list[QScreen]) -> list[str]:
    return [f"{s.name()} ({s.geometry().width()}×{s.geometry().height()})" for s in screens]
