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
from pathlib import Path
from typing import Any

from emolab.batch import work
from emolab.batch.ray_join import Joined, join_cluster, refresh_ray_auth
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
        self.joined = Joined()
        self._idle: list[Any] = []
        self._busy: dict[Any, Any] = {}  # an analysis's object ref -> the actor running it
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
            }
            if address:
                self.joined = join_cluster(ray, address, **options)
            else:
                refresh_ray_auth()  # Ray caches RAY_AUTH_MODE; its new processes read the environment
                try:
                    # A private cluster on this machine, small enough not to grab its memory. "local":
                    # not a cluster that 'ray start' or RAY_ADDRESS names, which ray.init() would join.
                    ray.init(
                        address="local",
                        num_cpus=workers or os.cpu_count() or 1,
                        object_store_memory=object_store_mb * 1024 * 1024,
                        **options,
                    )
                except Exception as exc:  # Ray raises RuntimeError, OSError, ...
                    raise ClusterError(f"cannot start a local Ray cluster: {exc}") from exc
            self.started = True
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if cpus < 1:
            self.close()
            raise ClusterError(
                f"{self.where()} has no CPU for a worker: join a node with CPUs to it "
                "('ray start --address=HEAD:PORT' on that machine)"
            )
        self.workers = max(1, min(int(workers or cpus), max_workers or cpus))
        self.wanted = self.workers
        #: Why there are fewer workers than wanted (a node left the cluster); '' while there are not.
        self.lost = ""
        self.cluster_cpus = cpus
        self.settings_values = settings_values
        self.models = models  # the driver's model fingerprint: an actor with other models refuses to start
        self._actor_class = ray.remote(num_cpus=1)(work.RayAnalyst)
        self._ad_ref = ray.put(Path(ad).read_bytes())
        self._ad_name = Path(ad).name
        self._idle = [self._new_actor() for _ in range(self.workers)]

    def where(self) -> str:
        if self.address:
            return f"the Ray cluster at {self.address}"
        return "a local Ray cluster" if self.started else "the connected Ray cluster"

    def describe(self) -> str:
        return f"{self.workers} Ray actor{'s' if self.workers > 1 else ''} on {self.where()} ({self.cluster_cpus} CPUs)"

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
                # The actor or its node died; the runner retries the reaction once.
                outcome = Outcome("crashed", f"the Ray worker died: {_death(exc)}")
                self._replace_lost_actor(outcome.reason)
            except exceptions.RayError as exc:
                self._idle.append(actor)
                outcome = Outcome("failed", f"Ray could not run the analysis: {_first_line(exc)}")
            out.append((ref, outcome))
        return out

    def _replace_lost_actor(self, reason: str) -> None:
        """A new actor for a dead one while the cluster's live nodes have a CPU for it; else one worker fewer.

        An actor asking for a CPU that no live node has would wait forever, and the video
        given to it with it: when a node leaves, the batch goes on with the actors left.
        """
        live = len(self._idle) + len(self._busy)
        if live < min(self.wanted, self._live_cpus()):
            self._idle.append(self._new_actor())
        else:
            self.lost = f"{self.where()} has no node left with a CPU for it ({reason})"
            log.warning("%s; %d Ray worker%s on", self.lost, live, " goes" if live == 1 else "s go")
        self.workers = len(self._idle) + len(self._busy)

    def _live_cpus(self) -> int:
        """CPUs of the cluster's nodes that are alive now (the GCS marks a node dead before its actors)."""
        try:
            nodes = self.ray.nodes()
        except Exception as exc:  # noqa: BLE001 - cannot tell: assume the node is still there
            log.warning("cannot list the Ray cluster's nodes: %s", exc)
            return self.cluster_cpus
        return int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes if n.get("Alive")))

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
            self.joined.restore()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _death(exc: BaseException) -> str:
    """Ray's first line and its cause (e.g. that the node died), without the actor's ids."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip() and not line.startswith("\t")]
    return " ".join(lines[:2]) if lines else type(exc).__name__
