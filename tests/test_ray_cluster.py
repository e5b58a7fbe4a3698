"""Panels on a Ray cluster started with ``ray start``, as its users run one: token authentication, a lost node.

Marked ``ray_cluster``: the module starts real Ray nodes on loopback (tests/ray_nodes.py): a
head without CPUs, as clusters usually run, and worker nodes of one CPU and a 200 MB object
store each, all with token authentication on. Every node is stopped by its own process id at
the end, whatever happened. ``-m "not ray_cluster"`` leaves them out.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from emolab.batch import run_batch
from emolab.batch.ray_join import join_cluster
from emolab.cli.main import main
from emolab.demo import make_demo_ad
from emolab.errors import ClusterError
from emolab.settings import Settings
from tests.conftest import VIDEOS, need_shared, read_frames, write_video
from tests.ray_nodes import RAY, LoopbackCluster, Node
from tests.test_batch import entries, local_run, panel, summary, timeline_rows  # noqa: F401 - fixtures

pytestmark = [pytest.mark.ray_cluster, pytest.mark.shared]
ray = pytest.importorskip("ray", reason="Ray is the 'cluster' extra: pip install -e '.[cluster]'")


@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201
    """A head (no CPU) and two worker nodes (one CPU each): every analysis runs on a worker node."""
    if not RAY.is_file():
        pytest.skip(f"no 'ray' command at {RAY}")
    with LoopbackCluster(object_store_mb=200) as c:
        c.start_head(cpus=0)
        c.add_node("a")
        c.add_node("b")
        c.wait_for_cpus(2)
        yield c


@pytest.fixture
def token_in_a_file(cluster, monkeypatch):  # noqa: ANN001, ANN201
    """This process as a user's shell with the cluster's token in a file (RAY_AUTH_TOKEN_PATH), nothing else set."""
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(cluster.token_file))
    return cluster


@pytest.fixture(scope="module")
def long_panel(tmp_path_factory) -> dict:  # noqa: ANN001
    """Three 9.6 s reactions (288 frames each) against a 10 s ad: long enough to stop a node mid-video."""
    work = tmp_path_factory.mktemp("long")
    frames = read_frames(need_shared(VIDEOS / "single_face.mp4"))
    video = write_video(work / "face.mp4", (frames + frames[::-1]) * 2, 30.0)
    reactions = work / "reactions"
    reactions.mkdir()
    for name in ("P1", "P2", "P3"):
        (reactions / f"{name}.mp4").hardlink_to(video)
    ad = make_demo_ad(work / "ad.mp4", seconds=10.0)
    return {"work": work, "reactions": reactions, "ad": ad, "settings": Settings(sessions_dir=work / "unused")}


def analysing_on(node: Node, rows: int = 5) -> bool:
    """Whether one of ``node``'s Ray workers is writing a session's timeline (``rows`` rows in) right now."""
    tmp = tempfile.gettempdir()
    for proc in node.processes():
        for timeline in glob.glob(f"{tmp}/emolab-batch-{proc.pid}-*/*/session/timeline.csv"):
            try:
                if Path(timeline).read_text().count("\n") > rows:
                    return True
            except OSError:
                pass
    return False


def stop_when(
    cluster: LoopbackCluster,
    node: Node,
    ready,
    then=None,
    timeout_s: float = 120,  # noqa: ANN001
) -> threading.Thread:
    """Stop ``node`` from a thread as soon as ``ready()`` holds (the batch runs meanwhile), then call ``then()``."""

    def watch() -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready():
                cluster.stop(node)
                if then:
                    then()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def worker_pids(node: Node) -> set[int]:
    return {p.pid for p in node.processes()}


def batch_args(p: dict, out: Path, *more: str) -> list[str]:
    return [
        "batch",
        "--ad",
        str(p["ad"]),
        "--reactions",
        str(p["reactions"]),
        "--out",
        str(out),
        "--no-progress",
        *more,
    ]


def test_batch_on_a_token_cluster_equals_local(token_in_a_file, local_run, panel, capfd):  # noqa: F811
    cluster = token_in_a_file
    out = panel["work"] / "study_cluster"
    t0 = time.perf_counter()
    code = main(batch_args(panel, out, "--engine", "ray", "--address", cluster.address))
    err = capfd.readouterr().err
    assert code == 1, f"R4 is a corrupt file, so exit status 1\n{err}"
    assert "InvalidAuthToken" not in err, "joined with the token Ray found, without a refused attempt on the console"
    record = json.loads((out / "batch.json").read_text())
    assert record["engine"] == "ray" and record["workers"] == 2 and record["address"] == cluster.address
    assert record["engine_detail"] == f"2 Ray actors on the Ray cluster at {cluster.address} (2 CPUs)"
    here, there = entries(local_run["record"]), entries(record)
    assert {k: (v["status"], v["session"], v["reason"]) for k, v in there.items()} == {
        k: (v["status"], v["session"], v["reason"]) for k, v in here.items()
    }
    for name in ("R1", "R2", "R3"):
        a, b = local_run["out"] / "sessions" / name, out / "sessions" / name
        assert summary(b) == summary(a), name
        assert timeline_rows(b) == timeline_rows(a), name
    for csv_name in ("study_curves.csv", "study_scenes.csv"):
        assert (out / csv_name).read_text() == (local_run["out"] / csv_name).read_text(), csv_name
    assert os.environ.get("RAY_AUTH_MODE") is None, "token mode was turned on for the batch only"
    print(f"4 reactions on the 2-node cluster: {time.perf_counter() - t0:.1f} s")


def _join(address: str, out: Path, p: dict) -> tuple[int, float]:
    t0 = time.perf_counter()
    code = main(batch_args(p, out, "--engine", "ray", "--address", address))
    return code, time.perf_counter() - t0


def test_join_failures_say_why_quickly(cluster, panel, tmp_path, monkeypatch, capfd):  # noqa: F811
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/.ray/auth_token
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)

    def refused(match: str, address: str = cluster.address) -> None:
        code, seconds = _join(address, tmp_path / "study", panel)
        err = capfd.readouterr().err
        assert code == 2, err
        assert match in err, err
        assert "InvalidAuthToken" not in err and "Traceback" not in err, err
        assert seconds < 10, f"{seconds:.1f} s"

    # As the issue found it: a user with no token at all.
    refused(f"the Ray cluster at {cluster.address} uses token authentication and this machine has no token")
    # A token, but another cluster's.
    monkeypatch.setenv("RAY_AUTH_TOKEN", "0" * 64)
    refused("refused this machine's token (from the RAY_AUTH_TOKEN environment variable): it is not the cluster's")
    monkeypatch.delenv("RAY_AUTH_TOKEN")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "nowhere"))
    refused(
        f"Ray cannot read this machine's token: RAY_AUTH_TOKEN_PATH is set but file cannot be opened or is empty: "
        f"{tmp_path / 'nowhere'}"
    )
    monkeypatch.delenv("RAY_AUTH_TOKEN_PATH")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    refused("uses token authentication, but RAY_AUTH_MODE=disabled here")
    monkeypatch.delenv("RAY_AUTH_MODE")
    # Nothing at the address; something that is not Ray.
    refused("no Ray cluster answers at 127.0.0.1:9", "127.0.0.1:9")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(ClusterError, match=f"something answers at {address}, but not as a Ray cluster"):
            join_cluster(ray, address, timeout_s=3)

    # The token in Ray's default file, ~/.ray/auth_token: joined.
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text(cluster.token)
    set_cluster_ray_version(cluster, "2.59.0")  # as a head with another Ray would have recorded it
    try:
        refused(f"the Ray cluster at {cluster.address} runs Ray 2.59.0 on Python")
    finally:
        set_cluster_ray_version(cluster, None)
    joined = join_cluster(ray, cluster.address, log_to_driver=False)
    try:
        assert ray.cluster_resources()["CPU"] == 2
        assert joined.token_enabled and joined.token_source == str(home / ".ray" / "auth_token")
    finally:
        ray.shutdown()
        joined.restore()
    assert "RAY_AUTH_MODE" not in os.environ


def test_without_address_a_private_cluster_even_where_ray_address_names_one(cluster, panel, monkeypatch):  # noqa: F811
    # A Ray user's shell may name a cluster; without --address emolab still starts its own.
    monkeypatch.setenv("RAY_ADDRESS", cluster.address)
    out = panel["work"] / "study_private"
    result = run_batch(panel["ad"], panel["reactions"], out, panel["settings"], engine="ray", workers=1)
    assert result.record["engine_detail"] == "1 Ray actor on a local Ray cluster (1 CPUs)"
    assert result.counts["failed"] == 1 and result.counts["ok"] + result.counts["warning"] == 3


def set_cluster_ray_version(cluster: LoopbackCluster, version: str | None) -> None:
    """Rewrite the Ray version the head recorded in its GCS (None: its own again), from a separate process."""
    code = """
import json, sys
import ray
from ray._common.usage import usage_lib
from ray._private import ray_constants
from ray._raylet import GcsClient
client = GcsClient(address=sys.argv[1])
meta = usage_lib.get_cluster_metadata(client)
meta["ray_version"] = sys.argv[2] if len(sys.argv) > 2 else ray.__version__
client.internal_kv_put(b"CLUSTER_METADATA", json.dumps(meta).encode(), True, ray_constants.KV_NAMESPACE_CLUSTER)
"""
    args = [sys.executable, "-c", code, cluster.address, *([version] if version else [])]
    subprocess.run(args, env=cluster.env, check=True, capture_output=True, timeout=60)


def run_on(cluster: LoopbackCluster, p: dict, out: Path):  # noqa: ANN201
    return run_batch(
        p["ad"], p["reactions"], out, p["settings"], engine="ray", address=cluster.address, build_study=False
    )


def test_a_lost_node_s_video_is_retried_on_the_node_left(token_in_a_file, long_panel):
    cluster = token_in_a_file
    a, b = (n for n in cluster.nodes if n.name in ("a", "b"))
    out = long_panel["work"] / "study_lost_node"
    on_a: set[int] = set()  # node a's processes while the batch goes on (its actor is gone once it ends)
    stopper = stop_when(cluster, b, lambda: analysing_on(b), lambda: on_a.update(worker_pids(a)))
    result = run_on(cluster, long_panel, out)
    stopper.join()
    assert not b.alive(), "node b was stopped mid-video"
    e = entries(result.record)
    assert result.counts["ok"] + result.counts["warning"] == 3 and result.counts["failed"] == 0, e
    retried = [name for name, entry in e.items() if entry.get("retries")]
    assert len(retried) == 1 and e[retried[0]]["retries"] == 1, e
    worker_pid = int(e[retried[0]]["worker"].rsplit(":", 1)[1])
    assert worker_pid in on_a, "the lost video was analysed again on node a"
    others = [name for name in e if name not in retried]
    for name in others:
        assert summary(out / "sessions" / retried[0]) == summary(out / "sessions" / name)
        assert timeline_rows(out / "sessions" / retried[0]) == timeline_rows(out / "sessions" / name)


def test_with_no_node_left_the_rest_fails_with_the_reason_and_a_rerun_completes(token_in_a_file, long_panel):
    cluster = token_in_a_file
    a = next(n for n in cluster.nodes if n.name == "a")
    for node in cluster.nodes:
        if node.name == "b":  # as the test before leaves it: one worker node
            cluster.stop(node)
    cluster.wait_for_cpus(1)
    out = long_panel["work"] / "study_no_node"
    record_file = out / "batch.json"

    def one_done_and_the_next_running() -> bool:
        try:
            done = [f for f in json.loads(record_file.read_text())["files"] if f["status"] in ("ok", "warning")]
        except (OSError, ValueError, KeyError):
            return False
        return len(done) == 1 and analysing_on(a)

    stopper = stop_when(cluster, a, one_done_and_the_next_running)
    result = run_on(cluster, long_panel, out)
    stopper.join()
    assert not a.alive()
    e = entries(result.record)
    finished = [name for name, entry in e.items() if entry["status"] in ("ok", "warning")]
    failed = sorted(name for name, entry in e.items() if entry["status"] == "failed")
    assert len(finished) == 1 and len(failed) == 2, e
    print(e[failed[0]]["reason"])
    for name in failed:
        reason = e[name]["reason"]
        assert reason.startswith(f"not analysed: the Ray cluster at {cluster.address} has no node left with a CPU"), (
            reason
        )
        assert "run the batch again once a node has joined" in reason, reason
        assert e[name]["session"] is None and not (out / "sessions" / name).exists()
    assert result.record["state"] == "finished"
    kept = out / "sessions" / finished[0]
    before = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}

    cluster.add_node("c")
    cluster.wait_for_cpus(1)
    again = run_on(cluster, long_panel, out)
    e = entries(again.record)
    assert again.counts["failed"] == 0 and again.counts["reused"] == 1, e
    assert e[finished[0]]["reused"] and {p.name: p.stat().st_mtime_ns for p in kept.iterdir()} == before
    for name in failed:
        assert summary(out / "sessions" / name) == summary(kept), name
