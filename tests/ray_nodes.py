"""A Ray cluster of real nodes on loopback, started with ``ray start`` as a user would, for tests and benchmarks.

Every node is ``ray start --block`` in its own process: stopping a node is ending that process
(it stops its raylet and workers), so one node can leave while the others go on, and nothing
but this cluster's own processes is ever stopped. ``ray stop`` cannot do either: it ends every
Ray process on the machine, whoever started it.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")
STARTED = "Ray runtime started"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: SIGTERM when the process that started the node dies (a killed test run leaves no node)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Node:
    def __init__(self, name: str, popen: subprocess.Popen, log: Path) -> None:
        self.name, self.popen, self.log = name, popen, log

    def processes(self) -> list[psutil.Process]:
        """What this node's ``ray start`` started (raylet, workers, ...), running now."""
        try:
            return psutil.Process(self.popen.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class LoopbackCluster:
    """A head and worker nodes on 127.0.0.1 with token authentication, in a fresh temporary folder.

    Args:
        object_store_mb: each node's object store.
        token_auth: start the nodes with ``RAY_AUTH_MODE=token`` and a new random token.
    """

    def __init__(self, object_store_mb: int = 200, token_auth: bool = True) -> None:
        # Short: Ray's unix sockets live under it (108 characters at most).
        self.root = Path(tempfile.mkdtemp(prefix="emolab-ray-", dir="/tmp"))
        self.object_store = str(object_store_mb * 1024 * 1024)
        self.token = secrets.token_hex(32) if token_auth else ""
        self.token_file = self.root / "token"
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[Node] = []
        if self.token:
            self.token_file.write_text(self.token)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        self.env.update(
            PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
            RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0",  # a stopped node leaves at once, as with 'ray stop'
            RAY_USAGE_STATS_ENABLED="0",
        )
        if self.token:
            self.env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(self.token_file))
        else:
            self.env["RAY_AUTH_MODE"] = "disabled"

    def start_head(self, cpus: int = 0) -> Node:
        return self._start(
            "head",
            "--head",
            f"--port={self.port}",
            f"--num-cpus={cpus}",
            f"--temp-dir={self.root / 'ray'}",
            "--include-dashboard=false",
            f"--dashboard-port={free_port()}",
        )

    def add_node(self, name: str, cpus: int = 1) -> Node:
        return self._start(name, f"--address={self.address}", f"--num-cpus={cpus}")

    def _start(self, name: str, *args: str) -> Node:
        log = self.root / f"{name}.log"
        cmd = [
            str(RAY),
            "start",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--object-store-memory={self.object_store}",
            f"--dashboard-agent-listen-port={free_port()}",
            "--disable-usage-stats",
            *args,
        ]
        with open(log, "wb") as fh:
            popen = subprocess.Popen(
                cmd, env=self.env, stdout=fh, stderr=subprocess.STDOUT, cwd=self.root, preexec_fn=_die_with_parent
            )
        node = Node(name, popen, log)
        self.nodes.append(node)
        deadline = time.monotonic() + 90
        while STARTED not in log.read_text(errors="replace"):
            if not node.alive() or time.monotonic() > deadline:
                self.stop(node)
                raise RuntimeError(f"Ray node {name} did not start:\n{node.tail()}")
            time.sleep(0.2)
        return node

    def cpus(self) -> int:
        """CPUs of the nodes the cluster's GCS lists as alive (asked from a separate process)."""
        code = (
            "import sys\nfrom ray._raylet import GcsClient\n"
            "infos = GcsClient(address=sys.argv[1]).get_all_node_info().values()\n"
            "print(int(sum(dict(i.resources_total).get('CPU', 0) for i in infos if i.state == 0)))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, self.address], env=self.env, capture_output=True, text=True, timeout=60
        )
        return int(done.stdout.strip() or -1)

    def wait_for_cpus(self, cpus: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while (seen := self.cpus()) != cpus:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster has {seen} CPUs, not {cpus}, after {timeout_s} s")
            time.sleep(0.5)

    def stop(self, node: Node, timeout_s: float = 30) -> None:
        """Stop one node: SIGTERM to its ``ray start`` (which stops its processes), then SIGKILL what is left."""
        children = node.processes()  # psutil refuses to signal a process whose id was reused since
        if node.alive():
            node.popen.terminate()
            try:
                node.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                node.popen.kill()
                node.popen.wait(10)
        for proc in children:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(children, timeout=10)

    def close(self) -> None:
        """Stop every node, worker nodes first, and delete the cluster's folder."""
        for node in reversed(self.nodes):
            self.stop(node)
        self.nodes.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LoopbackCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
