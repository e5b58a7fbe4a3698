"""What runs on a batch worker: the models, loaded once, then one reaction after another.

A worker is a process of the local pool or a Ray actor, possibly on another machine. Either
way it analyses with :func:`emolab.analysis.analyze_video`, exactly as ``emolab analyze``
does, and answers with an :class:`Outcome`. Each model uses ``model_threads`` threads (its
backend sets that), so N workers use N cores.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolab.batch.reactions import Reaction
from emolab.errors import EmolabError
from emolab.media import AdInfo, probe_ad
from emolab.settings import Settings, default_models_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    #: ``complete`` (a session was written), ``failed`` (this reaction could not be analysed),
    #: ``crashed`` (the worker itself died) or ``fatal`` (the worker cannot analyse anything,
    #: e.g. its models do not load or differ from the driver's).
    status: str
    reason: str = ""
    seconds: float = 0.0
    worker: str = ""
    #: The session folder's files (name -> bytes) when the worker is not on the driver's disk.
    files: dict[str, bytes] | None = None
    traceback: str = ""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_settings(values: dict[str, Any]) -> Settings:
    """The driver's settings, on this machine: a cluster node without the driver's models folder uses its own."""
    settings = Settings.from_mapping(values)
    if not settings.models_dir.is_dir():
        settings = settings.replace(models_dir=default_models_dir())
    return settings


class Analyst:
    """A worker's models, loaded once, and the analysis of one reaction into a session folder."""

    def __init__(self, settings_values: dict[str, Any], models: dict[str, Any]) -> None:
        """Load the models ``settings_values`` select; ``models``: the driver's model fingerprint.

        A failure is kept in ``error`` (every analysis then answers ``fatal`` with it): a worker
        that cannot analyse anything must stop the batch at once with the reason, not die on
        every video.
        """
        from emolab.analysis import models_record
        from emolab.batch.study_dir import model_fingerprint, model_names
        from emolab.pipeline import Pipeline

        self.error = ""
        self.pipeline = None
        self._ad: AdInfo | None = None
        try:
            self.settings = worker_settings(settings_values)
            pipeline = Pipeline.from_settings(self.settings)
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged weights file raises the backend's own error
            detail = str(exc) if isinstance(exc, EmolabError) else f"{type(exc).__name__}: {exc}"
            self.error = f"worker {worker_name()} cannot load its models: {detail}"
            return
        used = model_fingerprint(models_record(pipeline))
        if used != models:
            self.error = (
                f"worker {worker_name()} has other models ({model_names(used)}) than the driver "
                f"({model_names(models)}): their cards differ in name, file, date, labels or input recipe; "
                "install the same emolab version and models on every node"
            )
            return
        self.pipeline = pipeline

    def _ad_info(self, ad: Path) -> AdInfo:
        """The ad, probed (and hashed) once for all the reactions this worker analyses."""
        if self._ad is None or self._ad.path != str(ad.resolve()):
            self._ad = probe_ad(ad)
        return self._ad

    def analyze(self, ad: Path, reaction: Reaction, out: Path) -> Outcome:
        """Analyse ``reaction`` against ``ad`` into the new folder ``out``; never raises."""
        from emolab.analysis import analyze_video, check_inputs

        if self.pipeline is None:
            return Outcome("fatal", self.error, worker=worker_name())
        t0 = time.perf_counter()
        try:
            inputs = check_inputs(
                ad, reaction.file, reaction.offset_s, out, ad_info=self._ad_info(ad), adclock=reaction.adclock
            )
            analyze_video(
                ad,
                reaction.file,
                self.settings,
                out=out,
                offset_s=reaction.offset_s,
                respondent=reaction.respondent,
                pipeline=self.pipeline,
                inputs=inputs,
            )
        except EmolabError as exc:
            return Outcome("failed", str(exc), time.perf_counter() - t0, worker_name())
        except Exception as exc:  # noqa: BLE001 - one bad video must never stop the others
            log.exception("analysing %s failed", reaction.file)
            return Outcome(
                "failed",
                f"unexpected {type(exc).__name__}: {exc} (a bug: please report it with batch.json)",
                time.perf_counter() - t0,
                worker_name(),
                traceback=traceback.format_exc(),
            )
        return Outcome("complete", "", time.perf_counter() - t0, worker_name())


# --- the local process pool: one Analyst per process --------------------------------------

_analyst: Analyst | None = None


def init_local_worker(settings_values: dict[str, Any], models: dict[str, Any]) -> None:
    """Pool initializer: load the models once per process. Ctrl-C is the driver's to handle."""
    global _analyst
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _analyst = Analyst(settings_values, models)


def analyze_local(ad: str, reaction: Reaction, out: str) -> Outcome:
    """One reaction in a pool process, written straight into ``out`` on the shared disk."""
    assert _analyst is not None, "init_local_worker did not run"
    return _analyst.analyze(Path(ad), reaction, Path(out))


# --- Ray: an actor that may run on another machine ------------------------------------------


TEMP_PREFIX = "emolab-batch-"


def remove_orphaned_temp_dirs() -> None:
    """Delete the temporary folders of actors that were killed (an interrupted batch) on this machine."""
    import psutil

    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if folder.is_dir() and not folder.is_symlink() and pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class RayAnalyst:
    """A Ray actor's state (wrapped with ``ray.remote`` by the Ray engine).

    Nothing is assumed about shared disks: the ad arrives once as bytes, each reaction as
    bytes, and the session folder goes back as bytes.
    """

    def __init__(self, settings_values: dict[str, Any], models: dict[str, Any], ad_name: str, ad_bytes: bytes) -> None:
        remove_orphaned_temp_dirs()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
        self.ad = self.tmp / "ad" / ad_name  # same file name: the session records it
        self.ad.parent.mkdir()
        self.ad.write_bytes(ad_bytes)
        self.analyst = Analyst(settings_values, models)

    def analyze(self, reaction: Reaction, video: bytes) -> Outcome:
        job = Path(tempfile.mkdtemp(dir=self.tmp))
        try:
            local = job / reaction.file.name
            local.write_bytes(video)
            out = job / "session"
            outcome = self.analyst.analyze(self.ad, dataclasses.replace(reaction, file=local), out)
            files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} if out.is_dir() else None
            # Messages should name the driver's file, not this machine's temporary copy.
            reason = outcome.reason.replace(str(local), str(reaction.file))
            return dataclasses.replace(outcome, files=files, reason=reason)
        finally:
            shutil.rmtree(job, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
