"""The local engine: a pool of processes on this machine, models loaded once per process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from emolab.batch import work
from emolab.batch.reactions import Reaction
from emolab.batch.work import Outcome


class LocalEngine:
    """``ProcessPoolExecutor`` with the ``spawn`` start method (safe with torch's and OpenCV's threads)."""

    #: A dead worker process breaks the whole pool: every running video is lost with it.
    crash_loses_all = True

    def __init__(self, settings_values: dict[str, Any], models: dict[str, Any], ad: Path, workers: int) -> None:
        self.settings_values = settings_values
        self.models = models  # the driver's model fingerprint: a worker with other models refuses to start
        self.ad = Path(ad)
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=work.init_local_worker,
                initargs=(self.settings_values, self.models),
            )
        return self._pool

    def submit(self, reaction: Reaction, staging: Path) -> Future:
        try:
            return self._ensure_pool().submit(work.analyze_local, str(self.ad), reaction, str(staging))
        except BrokenProcessPool:  # a worker died since the last result: start afresh
            self._discard_pool()
            return self._ensure_pool().submit(work.analyze_local, str(self.ad), reaction, str(staging))

    def wait(self, handles: list[Future], timeout: float | None = None) -> list[tuple[Future, Outcome]]:
        """The finished handles with their outcomes, waiting for one (at most ``timeout`` seconds)."""
        done, _ = wait(handles, timeout=timeout, return_when=FIRST_COMPLETED)
        out = []
        for future in done:
            try:
                out.append((future, future.result()))
            except BrokenProcessPool:
                # A worker died (a decoder crash, out of memory): every running job is lost with
                # it. A fresh pool takes the next submissions.
                self._discard_pool()
                out.append((future, Outcome("crashed", "the worker process died (a crash or out of memory)")))
            except Exception as exc:  # noqa: BLE001 - e.g. an outcome that could not be sent back
                out.append((future, Outcome("failed", f"the worker could not report back: {exc}")))
        return out

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self, interrupted: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if interrupted:
            # Workers ignore Ctrl-C; stop the ones this pool started instead of waiting for
            # their current videos (their half-written sessions are cleared by the next run).
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
