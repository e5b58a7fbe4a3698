"""Accepted recordings, analysed in the background by the batch engine into the study.

One thread feeds the engine of ``emolab batch`` (a local process pool or Ray actors): each
recording becomes a :class:`~emolab.batch.Reaction` whose respondent is the invite's id and
whose clock is the one the respondent's page recorded, is analysed exactly as
``emolab batch`` analyses it (into ``.incomplete/``, then ``sessions/<id>``), and is deleted
afterwards unless the server keeps videos. The study report is rebuilt when the queue runs
dry, and at most every :data:`STUDY_EVERY_S` seconds while it does not.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from emolab.batch.reactions import Reaction
from emolab.batch.runner import _classify, _make_engine, _settle  # the batch's own steps, shared on purpose
from emolab.batch.study_dir import SESSIONS, STAGING, clear_staging, remove_session_folder
from emolab.batch.work import Outcome
from emolab.errors import EmolabError
from emolab.serve.invites import ANALYSED, FAILED, UPLOADED, InviteStore
from emolab.settings import Settings

log = logging.getLogger(__name__)

#: While recordings keep arriving, the study is rebuilt at most this often.
STUDY_EVERY_S = 30.0
#: A recording whose worker died this many times is given up.
MAX_CRASHES = 2


class Analyser:
    """The background analysis of a served study's recordings."""

    def __init__(
        self,
        study: Path,
        ad: Path,
        settings: Settings,
        invites: InviteStore,
        models: dict[str, Any],
        engine: str = "local",
        workers: int | None = None,
        address: str | None = None,
        keep_videos: bool = False,
    ) -> None:
        self.study = Path(study)
        self.ad = Path(ad)
        self.settings = settings
        self.invites = invites
        self.models = models
        self.engine_name = engine
        self.workers = workers
        self.address = address
        self.keep_videos = keep_videos
        self.error = ""  # the engine cannot analyse anything (e.g. its models do not load): the dashboard says so
        self.engine_detail = ""
        self.studies_built = 0
        self.study_sessions = 0  # sessions in the study as last built
        self.analysed = 0
        self.busy_s = 0.0
        self._busy = 0
        self._queue: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="emolab-analyser", daemon=True)

    def start(self) -> None:
        """Start the thread, with every recording a previous run accepted but did not analyse."""
        clear_staging(self.study)
        for invite in self.invites.all():
            if invite.status != UPLOADED:
                continue
            if invite.recording and Path(invite.recording).is_file():
                self._queue.put(invite.id)
            else:
                self.invites.update(
                    invite.id,
                    status=FAILED,
                    reason="the recording was lost before it was analysed",
                    finished_at=time.time(),
                )
        self._thread.start()

    def submit(self, invite_id: str) -> None:
        self._queue.put(invite_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop: running analyses are abandoned; their recordings stay and are analysed on the next start."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def busy(self) -> int:
        """Recordings queued or under analysis."""
        return self._queue.qsize() + self._busy

    def _loop(self) -> None:
        engine = None
        pending: deque[tuple[Reaction, int]] = deque()
        inflight: dict[Any, tuple[Reaction, int]] = {}
        study_due = False
        last_study = 0.0
        interrupted = True
        try:
            while not self._stop.is_set():
                # Wait for the queue when there is nothing else to do (or nothing can be done: no engine).
                self._take(pending, block=not inflight and not study_due and (not pending or bool(self.error)))
                if pending and engine is None and not self.error:
                    engine = self._make_engine()
                while engine is not None and pending and len(inflight) < engine.workers:
                    reaction, crashes = pending.popleft()
                    staging = self.study / STAGING / reaction.folder
                    remove_session_folder(staging, self.study / STAGING)
                    staging.parent.mkdir(parents=True, exist_ok=True)
                    inflight[engine.submit(reaction, staging)] = (reaction, crashes)
                self._busy = len(pending) + len(inflight)
                if engine is not None and inflight:
                    t0 = time.perf_counter()
                    for handle, outcome in engine.wait(list(inflight), timeout=0.5):
                        reaction, crashes = inflight.pop(handle)
                        if outcome.status == "crashed" and crashes + 1 < MAX_CRASHES:
                            log.warning("retrying %s: %s", reaction.respondent, outcome.reason)
                            pending.append((reaction, crashes + 1))
                            continue
                        if outcome.status == "fatal":
                            self.error = outcome.reason
                            log.error("the analysis cannot run: %s", outcome.reason)
                        self._finish(reaction, outcome)
                        study_due = True
                    self.busy_s += time.perf_counter() - t0
                    if self.error:  # the engine cannot analyse anything: keep the recordings for a restart
                        engine.close()
                        engine, pending, inflight = None, deque(), {}
                self._busy = len(pending) + len(inflight)
                quiet = not pending and not inflight and self._queue.empty()
                if study_due and (quiet or time.monotonic() - last_study > STUDY_EVERY_S):
                    self._build_study()
                    study_due, last_study = False, time.monotonic()
                self._busy = len(pending) + len(inflight)
            interrupted = bool(inflight)
        except Exception as exc:  # noqa: BLE001 - the server must keep serving: the dashboard shows it
            log.exception("the analysis thread stopped")
            self.error = f"the analysis stopped: {exc}"
        finally:
            if engine is not None:
                engine.close(interrupted=interrupted)
            try:
                clear_staging(self.study)
            except EmolabError as exc:
                log.warning("could not clear %s: %s", self.study / STAGING, exc)

    def _take(self, pending: deque, block: bool) -> None:
        """Move queued invite ids into ``pending`` as reactions (waiting a moment for one when idle)."""
        try:
            invite_id = self._queue.get(timeout=0.5) if block else self._queue.get_nowait()
        except queue.Empty:
            return
        while True:
            reaction = self._reaction(invite_id)
            if reaction is not None:
                pending.append((reaction, 0))
            try:
                invite_id = self._queue.get_nowait()
            except queue.Empty:
                return

    def _reaction(self, invite_id: str) -> Reaction | None:
        invite = self.invites.get(invite_id)
        if invite is None or invite.status != UPLOADED or not invite.recording:
            return None
        clock = tuple((float(r), float(a)) for r, a in json.loads(invite.adclock))
        return Reaction(file=Path(invite.recording), respondent=invite.id, offset_s=0.0, adclock=clock)

    def _make_engine(self) -> Any:
        try:
            engine = _make_engine(
                self.engine_name, self.settings, self.models, self.ad, self.workers, self.address, jobs=1_000_000
            )
        except EmolabError as exc:
            self.error = str(exc)
            log.error("cannot start the analysis engine: %s", exc)
            return None
        self.engine_detail = engine.describe()
        log.info("analysing with %s", self.engine_detail)
        return engine

    def _finish(self, reaction: Reaction, outcome: Outcome) -> None:
        """Put the session in place, record the outcome, delete the recording (unless kept)."""
        if outcome.status == "fatal":
            remove_session_folder(self.study / STAGING / reaction.folder, self.study / STAGING)
            return  # the recording waits for a server whose engine works
        outcome = _settle(outcome, reaction, self.study, self.ad, self.models)
        fields: dict[str, Any] = {"finished_at": time.time(), "seconds": round(outcome.seconds, 3)}
        if outcome.status == "complete":
            entry = _classify(self.study / SESSIONS / reaction.folder)
            fields.update(status=ANALYSED, reason="", session=entry["session"], warnings=json.dumps(entry["warnings"]))
            self.analysed += 1
        else:
            fields.update(status=FAILED, reason=outcome.reason or outcome.status)
        if not self.keep_videos:
            reaction.file.unlink(missing_ok=True)
            fields["recording"] = ""
        self.invites.update(reaction.respondent, **fields)
        log.info("%s: %s %s", reaction.respondent, fields["status"], fields.get("reason", ""))

    def _build_study(self) -> None:
        from emolab.report.study import build_study_report

        root = self.study / SESSIONS
        folders = sorted(p for p in root.iterdir() if (p / "summary.json").is_file()) if root.is_dir() else []
        if not folders:
            return
        try:
            build_study_report(folders, self.study)
            self.studies_built += 1
            self.study_sessions = len(folders)
        except EmolabError as exc:
            log.warning("could not rebuild the study: %s", exc)
