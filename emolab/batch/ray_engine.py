"""The Ray engine: a pool of Ray actors, each with its models loaded once, on this machine or a cluster.

No shared disk is assumed. The driver reads each reaction video and hands its bytes to Ray
(``ray.put``); the actor writes them to a temporary file, analyses it, and returns the small
session folder (``session.json``, ``timeline.csv``, ``summary.json``) as bytes, which the
driver writes into the study folder. The ad travels once per actor. Only as many videos as
there are actors are in Ray's object store at a time.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

from emolab.batch import work
from emolab.batch.reactions import Reaction
from emolab.batch.work import Outcome
from emolab.errors import ClusterError

log = logging.getLogger(__name__)

INSTALL_HINT = "install it with: pip install 'emolab[cluster]' (or pip install ray)"


def import_ray() -> Any:
    """The ``ray`` module.

    Raises:
        ClusterError: Ray is not installed, saying how to install it.
    """
    try:
        import ray
    except ImportError as exc:
        from emolab.runtime import is_frozen, why_missing

        if is_frozen():  # the installed app leaves Ray out: pip cannot add it there
            raise ClusterError(f"{why_missing('--engine ray', ['ray'])}; or use --engine local") from exc
        raise ClusterError(f"--engine ray needs Ray, which is not installed; {INSTALL_HINT}") from exc
    return ray


def check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail fast on a ``HOST:PORT`` nothing answers at (Ray itself retries for minutes).

    Raises:
        ClusterError: naming the address and how to start a cluster there.
    """
    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except (OSError, ValueError) as exc:
        raise ClusterError(
            f"no Ray cluster answers at {address} ({exc}); start one with 'ray start --head' on that machine "
            "(it prints the address, HOST:6379) and check that the port is open"
        ) from exc


class RayEngine:
    """Ray actors (one CPU each) that analyse one reaction at a time."""

    #: A dead actor loses only its own video; the other actors go on.
    crash_loses_all = False

    def __init__(
        self,
        settings_values: dict[str, Any],
        models: dict[str, Any],
        ad: Path,
        workers: int | None,
        address: str | None = None,
        object_store_mb: int = 200,
        max_workers: int | None = None,
    ) -> None:
        self.ray = ray = import_ray()
        self.address = address
        self.started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
            }
            try:
                if address:
                    check_reachable(address)
                    ray.init(address=address, **options)
                else:
                    # A private cluster on this machine, small enough not to grab its memory.
                    ray.init(
                        num_cpus=workers or os.cpu_count() or 1,
                        object_store_memory=object_store_mb * 1024 * 1024,
                        **options,
                    )
            except ClusterError:
                raise
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError (version mismatch), ...
                where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
                raise ClusterError(
                    f"cannot start or join {where}: {exc}. The driver and every node need the same Ray and "
                    "Python versions"
                ) from exc
            self.started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(int(workers or cpus), max_workers or cpus))
        self.cluster_cpus = cpus
        self.settings_values = settings_values
        self.models = models  # the driver's model fingerprint: an actor with other models refuses to start
        self._actor_class = ray.remote(num_cpus=1)(work.RayAnalyst)
        self._ad_ref = ray.put(Path(ad).read_bytes())
        self._ad_name = Path(ad).name
        self._idle = [self._new_actor() for _ in range(self.workers)]
        self._busy: dict[Any, Any] = {}

    def describe(self) -> str:
        if self.address:
            where = f"the Ray cluster at {self.address}"
        else:
            where = "a local Ray cluster" if self.started else "the connected Ray cluster"
        return f"{self.workers} Ray actor{'s' if self.workers > 1 else ''} on {where} ({self.cluster_cpus} CPUs)"

    def _new_actor(self) -> Any:
        return self._actor_class.remote(self.settings_values, self.models, self._ad_name, self._ad_ref)

    def submit(self, reaction: Reaction, staging: Path) -> Any:
        video = self.ray.put(reaction.file.read_bytes())  # first: an unreadable file must not cost an actor
        actor = self._idle.pop()
        ref = actor.analyze.remote(reaction, video)
        self._busy[ref] = actor
        return ref

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        """The finished handles with their outcomes, waiting for one (at most ``timeout`` seconds)."""
        ready, _ = self.ray.wait(list(handles), num_returns=1, timeout=timeout)
        exceptions = self.ray.exceptions
        out = []
        for ref in ready:
            actor = self._busy.pop(ref)
            try:
                outcome = self.ray.get(ref)
                self._idle.append(actor)
            except exceptions.RayActorError as exc:
                # The actor (or its machine) died: replace it; the runner retries the reaction once.
                self._idle.append(self._new_actor())
                outcome = Outcome("crashed", f"the Ray worker died: {_first_line(exc)}")
            except exceptions.RayError as exc:
                self._idle.append(actor)
                outcome = Outcome("failed", f"Ray could not run the analysis: {_first_line(exc)}")
            out.append((ref, outcome))
        return out

    def close(self, interrupted: bool = False) -> None:
        ray = self.ray
        actors = self._idle + list(self._busy.values())
        self._idle, self._busy = [], {}
        if not interrupted and actors:
            try:
                ray.get([a.close.remote() for a in actors], timeout=30)
            except Exception as exc:  # noqa: BLE001 - temporary files are all that is lost
                log.warning("Ray workers did not clean up their temporary files: %s", exc)
        for actor in actors:
            ray.kill(actor)
        if self.started:
            ray.shutdown()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
