"""The screening worker: camera → pipeline → session, on its own QThread.

The worker builds its models inside its thread (so the window never freezes), processes only
the newest camera frame, stamps every result with the ad position at capture time, writes the
session through the engine's :class:`~emolab.session.SessionWriter`, and reports everything to
the window through signals. Heavy modules (torch, ultralytics) are imported here lazily, in
the worker's thread, never when the GUI starts.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from emolab.adclock import AdClock
from emolab.errors import EmolabError, SourceEnded, SourceError
from emolab.settings import Settings

log = logging.getLogger(__name__)

#: Longer side of the preview image the worker hands to the window (keeps signals light).
PREVIEW_MAX_SIDE = 480

SourceFactory = Callable[[], Any]  # returns an emolab.capture.FrameSource


@dataclass(frozen=True)
class ScreeningConfig:
    """Everything one screening needs; collected by the window, used by the worker."""

    settings: Settings
    ad_path: Path
    camera: str  # camera index ("0") or a video file standing in for a camera
    respondent: str
    calibration_s: float = 0.0
    #: A video standing in for a camera starts over at its end; otherwise its end is treated
    #: like a camera that disappeared.
    loop_video: bool = True
    #: For tests and tools: builds the frame source instead of :func:`open_source`.
    source_factory: SourceFactory | None = None
    #: A pipeline kept from an earlier session with the same models (saves loading time).
    pipeline: Any = None
    #: How consent was recorded: the window's checkbox, or the command line (kiosk).
    consent_source: str = "checkbox"


@dataclass(frozen=True)
class LiveResult:
    """One analysed frame as the window needs it."""

    result: Any  # emolab.pipeline.FrameResult
    ad_ms: float
    preview: np.ndarray  # RGB uint8, at most PREVIEW_MAX_SIDE on its longer side
    preview_scale: float  # preview pixels per frame pixel (for drawing face boxes)
    latency_ms: float  # capture → result ready
    fps: float  # processed frames per second, recent average
    dropped: int  # frames the camera delivered that were never processed
    face_ratio: float  # share of processed frames with at least one face
    frames: int  # processed frames so far


@dataclass(frozen=True)
class SessionOutcome:
    """How a screening ended and where it was saved."""

    folder: Path | None
    status: str  # "complete", "stopped" or "failed" (session.json's status)
    reason: str
    summary: dict[str, Any] | None = None
    frames: int = 0
    pipeline: Any = field(default=None, repr=False)  # kept by the window for the next session


class ScreeningWorker(QObject):
    """Runs one screening. Move it to a QThread and connect ``thread.started`` to :meth:`run`.

    The window controls it from the GUI thread through thread-safe methods (:meth:`begin`,
    :meth:`pause`, :meth:`resume`, :meth:`stop`); the worker's own loop never waits for the
    GUI's event loop.
    """

    progress = Signal(str)  # what is being loaded
    ready = Signal(str)  # models loaded, camera open, session created: describe() of the pipeline
    result = Signal(object)  # LiveResult
    errored = Signal(object)  # an exception (EmolabError: its message is meant for the user)
    sessionSaved = Signal(object)  # SessionOutcome  # noqa: N815 (Qt naming)
    finished = Signal()

    def __init__(self, config: ScreeningConfig, clock: AdClock) -> None:
        super().__init__()
        self.config = config
        self.clock = clock
        self._stop = threading.Event()
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._stop_status = "stopped"
        self._stop_reason = ""
        self._paused_at: float | None = None
        self._pauses: list[tuple[float, float]] = []  # closed (paused_at, resumed_at) windows
        self.folder: Path | None = None

    # ---- control, called from the GUI thread -------------------------------------------------
    def begin(self) -> None:
        """The ad clock is running: start grabbing frames."""
        self._go.set()

    def pause(self) -> None:
        """Stop stamping results: frames captured from now until :meth:`resume` are discarded."""
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.monotonic()

    def resume(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._pauses.append((self._paused_at, time.monotonic()))
                self._paused_at = None

    def stop(self, status: str = "stopped", reason: str = "") -> None:
        """End the screening; the session is closed with ``status`` and ``reason``."""
        with self._lock:
            if not self._stop.is_set():
                self._stop_status, self._stop_reason = status, reason
        self._stop.set()
        self._go.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _captured_while_paused(self, captured_at: float) -> bool:
        with self._lock:
            if self._paused_at is not None and captured_at >= self._paused_at:
                return True
            return any(a <= captured_at < b for a, b in self._pauses)

    # ---- the worker thread --------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """Build, then loop until stopped. Always ends with ``finished``."""
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - nothing may kill the app; the window shows it
            log.exception("screening worker failed")
            self.errored.emit(exc)
        finally:
            self.finished.emit()

    def _build(self) -> tuple[Any, Any, Any]:
        from emolab.analysis import models_record
        from emolab.capture import open_source
        from emolab.media import probe_ad
        from emolab.session import SessionWriter

        cfg = self.config
        self.progress.emit(self.tr("Reading the ad…"))
        ad_info = probe_ad(cfg.ad_path)
        pipeline = cfg.pipeline
        if pipeline is None:
            self.progress.emit(self.tr("Loading face detector and emotion classifier…"))
            from emolab.pipeline import Pipeline

            pipeline = Pipeline.from_settings(cfg.settings)
        pipeline.reset()
        self.progress.emit(self.tr("Opening the camera…"))
        if cfg.source_factory is not None:
            source = cfg.source_factory()
        else:
            source = open_source(cfg.camera, realtime=True, loop=cfg.loop_video)
        try:
            writer = SessionWriter.create(
                cfg.settings.sessions_dir,
                respondent=cfg.respondent,
                ad=ad_info,
                source=_source_record(source, cfg.camera),
                models=models_record(pipeline),
                settings=cfg.settings.to_record(),
                calibration_s=cfg.calibration_s,
                extra={"mode": "live", "consent": {"given": True, "recorded_by": cfg.consent_source}},
            )
        except BaseException:
            source.close()
            raise
        return pipeline, source, writer

    def _run(self) -> None:
        from emolab.capture import LatestFrameGrabber

        try:
            pipeline, source, writer = self._build()
        except EmolabError as exc:
            self.errored.emit(exc)
            self.sessionSaved.emit(SessionOutcome(None, "failed", str(exc)))
            return
        self.folder = writer.folder
        self.ready.emit(pipeline.describe())
        self._go.wait()  # the window starts the ad clock, then calls begin()
        if self._stop.is_set():  # cancelled while the models loaded: leave no empty session behind
            writer.close(status="cancelled", reason="stopped before the ad started")
            source.close()
            shutil.rmtree(writer.folder, ignore_errors=True)
            self.sessionSaved.emit(
                SessionOutcome(None, "cancelled", "stopped before the ad started", pipeline=pipeline)
            )
            return
        grabber = LatestFrameGrabber(source).start()
        status, reason = "stopped", ""
        times: deque[float] = deque(maxlen=30)
        frames = with_face = 0
        try:
            while not self._stop.is_set():
                try:
                    frame = grabber.get(timeout=0.25)
                except (SourceEnded, SourceError) as exc:
                    status, reason = "failed", f"camera stopped: {exc}"  # session.json stays in English
                    self.errored.emit(
                        SourceError(
                            self.tr("The camera stopped: {0}. Everything recorded until then is saved.").format(exc)
                        )
                    )
                    break
                if frame is None or self._captured_while_paused(frame.captured_at):
                    continue
                ad_ms = self.clock.ad_ms_at(frame.captured_at)
                res = pipeline.process(frame, calibrating=writer.phase(ad_ms) == "calibration")
                if self._captured_while_paused(frame.captured_at):  # paused while processing
                    continue
                writer.write(res, ad_ms)
                now = time.monotonic()
                times.append(now)
                frames += 1
                with_face += bool(res.faces)
                fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
                preview, scale = _preview_image(frame.image)
                self.result.emit(
                    LiveResult(
                        result=res,
                        ad_ms=ad_ms,
                        preview=preview,
                        preview_scale=scale,
                        latency_ms=(now - frame.captured_at) * 1000.0,
                        fps=fps,
                        dropped=grabber.dropped,
                        face_ratio=with_face / frames,
                        frames=frames,
                    )
                )
            else:
                with self._lock:
                    status, reason = self._stop_status, self._stop_reason
        except EmolabError as exc:  # e.g. the disk filled up: the rows written so far are kept
            log.warning("screening ended early: %s", exc)
            status, reason = "failed", str(exc)
            self.errored.emit(exc)
        except Exception as exc:  # noqa: BLE001 - saved as a failed session, reported to the window
            log.exception("screening failed")
            status, reason = "failed", str(exc) or type(exc).__name__
            self.errored.emit(exc)
        finally:
            grabber.stop()
            summary = None
            try:
                summary = writer.close(status=status, reason=reason)
            except EmolabError as exc:
                self.errored.emit(exc)
            self.sessionSaved.emit(SessionOutcome(writer.folder, status, reason, summary, writer.frames, pipeline))


def _source_record(source: Any, spec: str) -> dict[str, Any]:
    """What session.json says about the camera."""
    path = getattr(source, "path", None)
    if path is not None:
        return {
            "kind": "video-as-camera",
            "file": Path(path).name,
            "path": str(Path(path).resolve()),
            "fps": source.fps,
            "loop": bool(getattr(source, "loop", False)),
        }
    return {
        "kind": "camera",
        "index": getattr(source, "index", spec),
        "description": source.description,
        "fps": source.fps,
    }


def _preview_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """A small RGB copy of a BGR frame for the preview pane."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, PREVIEW_MAX_SIDE / max(h, w))
    small = (
        image if scale >= 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    )
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)), scale
