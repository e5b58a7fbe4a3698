"""Joining a Ray cluster someone started with ``ray start``: token authentication, and a clear reason when it fails.

Ray 2.60 starts a cluster with token authentication whenever a token exists on the head
(``ray start --head``, with ``RAY_AUTH_MODE=token`` or a token in ``~/.ray/auth_token``), and
``ray.init()`` of a new local cluster always does. A driver joining with an explicit address
must then send the token, but Ray only turns that on by itself for ``address="auto"``;
otherwise ``ray.init`` retries for 20 s, printing ``InvalidAuthToken`` every second, and
raises a ``ConnectionError`` that hides why.

So before ``ray.init`` the cluster is probed once, in a child process (Ray's GCS client
cannot be given a timeout, writes its warnings straight to the terminal and aborts the
process when token mode is on without a token): first as the environment says; then, if the
cluster demands a token, ``RAY_AUTH_MODE`` is unset and Ray finds a token where it looks for
one (``RAY_AUTH_TOKEN``, else the file ``RAY_AUTH_TOKEN_PATH`` names, else
``~/.ray/auth_token``), once more with token mode on, as Ray does for a local cluster. The
probe also compares the versions the cluster was started with by Ray's own check, and looks
for a node of the cluster on this machine (a driver attaches to one; Ray waits 60 s for it).
Each failure (authentication, nothing or no Ray at the address, other versions, no local
node) is told from the exception Ray raises and becomes a :class:`ClusterError` saying what
to do.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolab.errors import ClusterError

log = logging.getLogger(__name__)

AUTH_MODE = "RAY_AUTH_MODE"
TOKEN_DOCS = "https://docs.ray.io/en/latest/ray-security/token-auth.html"
#: Seconds for the probe: a GCS answers in milliseconds; anything else never does.
PROBE_TIMEOUT_S = 15.0
GET_TOKEN = "'ray get-auth-token' on the head prints it"
PUT_TOKEN = "put it in ~/.ray/auth_token on this machine, or set RAY_AUTH_TOKEN to it, or RAY_AUTH_TOKEN_PATH to a file"


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


@dataclass
class Joined:
    """What joining changed in this process, undone by :meth:`restore` once the batch is over."""

    #: Token authentication was turned on here because the cluster asked for it.
    token_enabled: bool = False
    #: Where Ray found the token, in words (for the log and the batch record).
    token_source: str = ""

    def restore(self) -> None:
        if self.token_enabled:
            os.environ.pop(AUTH_MODE, None)
            refresh_ray_auth()


def join_cluster(ray: Any, address: str, timeout_s: float = PROBE_TIMEOUT_S, **options: Any) -> Joined:
    """``ray.init(address=address, **options)``, with the token the cluster needs, or a ClusterError saying why not.

    Raises:
        ClusterError: nothing at the address, no Ray cluster there, a token missing or refused,
            or other Ray or Python versions than this machine's; each with what to do.
    """
    check_reachable(address)
    if "://" in address:  # a Ray Client address (ray://HOST:10001): the client server authenticates it
        answer: dict[str, Any] = {"result": "ok"}
    else:
        answer = probe(_resolve(address), timeout_s)
        _raise_for(answer, address)
    joined = Joined(token_source=answer.get("token_source", ""))
    if answer.get("auth") == "token" and os.environ.get(AUTH_MODE) is None:
        # As ray.init does for a local cluster: the cluster wants a token and Ray found one.
        os.environ[AUTH_MODE] = "token"
        joined.token_enabled = True
    refresh_ray_auth()  # Ray caches the mode and the token: read them as the probe did
    if answer.get("auth") == "token":
        log.info("the Ray cluster at %s uses token authentication; token from %s", address, joined.token_source)
    try:
        ray.init(address=address, **options)
    except Exception as exc:
        joined.restore()
        raise init_error(exc, address) from exc
    return joined


def _resolve(address: str) -> str:
    """``HOST:PORT`` of the cluster ``address`` names (``auto``: the one ``ray start`` last started here)."""
    if address != "auto":
        return address
    from ray._private.services import canonicalize_bootstrap_address

    try:
        found = canonicalize_bootstrap_address("auto")
    except ConnectionError as exc:
        raise ClusterError(
            "--address auto found no Ray cluster on this machine; start one with 'ray start --head', "
            "or give the head's HOST:PORT"
        ) from exc
    return found or address


def refresh_ray_auth() -> None:
    """Make Ray re-read ``RAY_AUTH_MODE`` and its token (as ``ray._private.authentication_test_utils`` does)."""
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")  # first: a token dropped while the config still says 'token' trips a Ray check
    AuthenticationTokenLoader.instance().reset_cache()


def probe(address: str, timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """The probe's answer about the cluster at ``HOST:PORT`` (see :func:`_probe_main`), run in a child process."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    cmd = [sys.executable, "-m", "emolab.batch.ray_join", address]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"result": "silent", "detail": f"no answer within {timeout_s:g} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    log.debug("Ray probe of %s: exit %s, stderr:\n%s", address, done.returncode, done.stderr)
    last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or [f"exit status {done.returncode}"]
    return {"result": "crashed", "detail": last[0].strip()}


def _raise_for(answer: dict[str, Any], address: str) -> None:
    result, detail = answer.get("result"), answer.get("detail", "")
    if result == "ok":
        return
    if result == "auth":
        raise ClusterError(auth_message(address, answer))
    if result == "version":
        raise ClusterError(
            f"the Ray cluster at {address} runs Ray {answer['cluster_ray']} on Python {answer['cluster_python']}, "
            f"this machine Ray {answer['ray']} on Python {answer['python']}: the driver and every node need the "
            "same Ray and Python; install emolab with pip install 'emolab[cluster]' (it pins Ray) on every node "
            "and here, in the same Python"
        )
    if result == "no_local_node":
        raise ClusterError(
            f"this machine is not a node of the Ray cluster at {address}, and Ray runs emolab's driver on a node "
            f"of its own machine: run 'ray start --address={address}' here first (with RAY_AUTH_MODE=token when the "
            "cluster uses token authentication; --num-cpus=0 keeps this machine's cores out of the analysis)"
        )
    if result == "silent":
        raise ClusterError(
            f"something answers at {address}, but not as a Ray cluster ({detail}); give the address "
            "'ray start --head' printed (HOST:6379 unless --port says otherwise), not the dashboard's (8265) "
            "or a Ray Client address (ray://HOST:10001)"
        )
    raise ClusterError(f"cannot reach the Ray cluster at {address}: {detail}")


def auth_message(address: str, answer: dict[str, Any]) -> str:
    """What to do about a cluster that refused this machine (``answer``: the probe's, ``result`` ``auth``)."""
    mode, source, detail = answer.get("mode"), answer.get("token_source"), answer.get("detail", "")
    head = f"the Ray cluster at {address} uses token authentication"
    if mode == "disabled":
        return (
            f"{head}, but RAY_AUTH_MODE=disabled here: unset it (emolab then uses the token Ray finds) or set "
            f"RAY_AUTH_MODE=token, with the cluster's token ({GET_TOKEN}); see {TOKEN_DOCS}"
        )
    if answer.get("token_error"):  # Ray could not read the token it was pointed at
        return (
            f"{head}, and Ray cannot read this machine's token: {detail}; point RAY_AUTH_TOKEN_PATH at a file "
            f"holding the cluster's token ({GET_TOKEN}), or unset it to use ~/.ray/auth_token"
        )
    if not source and mode == "token":  # Ray's own check, before it contacts the cluster
        return f"RAY_AUTH_MODE=token here but Ray finds no token: copy the cluster's token ({GET_TOKEN}), {PUT_TOKEN}"
    if not source:
        return f"{head} and this machine has no token: copy the cluster's token ({GET_TOKEN}) and {PUT_TOKEN}"
    return (
        f"{head} and refused this machine's token (from {source}): it is not the cluster's; copy the cluster's "
        f"token ({GET_TOKEN}) there"
    )


def init_error(exc: BaseException, address: str) -> ClusterError:
    """A ClusterError for what ``ray.init(address=...)`` raised, told from the exception in Ray's chain."""
    from ray.exceptions import AuthenticationError

    chain = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for e in chain:
        if isinstance(e, AuthenticationError) or "InvalidAuthToken" in str(e):
            return ClusterError(auth_message(address, {"token_source": token_source(), "detail": str(e)}))
        if isinstance(e, RuntimeError) and str(e).startswith("Version mismatch"):
            text = " ".join(str(e).split())
            return ClusterError(
                f"the Ray cluster at {address} runs other versions than this machine ({text}); "
                "install the same Ray and Python on every node and here: pip install 'emolab[cluster]'"
            )
    first = " ".join(str(exc).split()) or type(exc).__name__
    return ClusterError(f"cannot join the Ray cluster at {address}: {first}")


def token_source() -> str:
    """Where Ray takes this machine's token from, in words ('' when it has none).

    Ray's token loader reads ``RAY_AUTH_TOKEN``, else the file ``RAY_AUTH_TOKEN_PATH`` names,
    else ``~/.ray/auth_token``; the token it loaded is matched against those to name its source.
    """
    from ray._raylet import AuthenticationTokenLoader
    from ray.exceptions import AuthenticationError

    loader = AuthenticationTokenLoader.instance()
    try:
        if not loader.has_token(ignore_auth_mode=True):
            return ""
        token = loader.get_raw_token(ignore_auth_mode=True)
    except AuthenticationError:
        return ""
    candidates = [("the RAY_AUTH_TOKEN environment variable", os.environ.get("RAY_AUTH_TOKEN"))]
    for label, path in (
        ("RAY_AUTH_TOKEN_PATH", os.environ.get("RAY_AUTH_TOKEN_PATH")),
        ("", str(Path.home() / ".ray" / "auth_token")),
    ):
        if path:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError:
                continue
            candidates.append((f"{path} ({label})" if label else path, text))
    for label, value in candidates:
        if value and value.strip() == token.strip():
            return label
    return "Ray's token loader"


# --- the probe, in a child process ------------------------------------------------------------


def _probe_main(address: str) -> dict[str, Any]:
    """Connect Ray's GCS client to ``address`` once; the answer says whether and how a driver can join.

    ``result`` is ``ok`` (``auth``: ``none`` or ``token``), ``auth`` (the cluster refused this
    machine: no token, a wrong one, or one Ray cannot read), ``version`` (other Ray or Python
    versions, by Ray's own check) or ``unreachable``.
    """
    import ray
    from ray._private.authentication.authentication_token_setup import ensure_token_if_auth_enabled
    from ray._private.utils import check_version_info, compute_version_info
    from ray._raylet import AuthenticationTokenLoader, GcsClient
    from ray.exceptions import AuthenticationError

    mode = os.environ.get(AUTH_MODE)
    here = {"ray": ray.__version__, "python": platform.python_version(), "mode": mode}

    def connect() -> Any:
        # Ray's own pre-flight: token mode without a token aborts the process inside the GCS client.
        ensure_token_if_auth_enabled(None, create_token_if_missing=False)
        return GcsClient(address=address)

    auth = "token" if mode == "token" else "none"
    try:
        try:
            client = connect()
        except AuthenticationError:
            # The cluster wants a token: use Ray's, as ray.init does for a local cluster
            # (has_token raises when RAY_AUTH_TOKEN_PATH names a file it cannot read).
            if mode is not None or not AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
                raise
            os.environ[AUTH_MODE] = "token"
            refresh_ray_auth()
            auth = "token"
            client = connect()
    except AuthenticationError as exc:
        token_error = "RAY_AUTH_TOKEN_PATH is set but" in str(exc)
        return {
            **here,
            "result": "auth",
            "detail": exc.message,
            "token_source": token_source(),
            "token_error": token_error,
        }
    except Exception as exc:  # noqa: BLE001 - RpcError and friends: the detail is Ray's
        return {**here, "result": "unreachable", "detail": f"{type(exc).__name__}: {exc}"}
    answer = {**here, "result": "ok", "auth": auth, "token_source": token_source() if auth == "token" else ""}
    from ray._common.usage.usage_lib import get_cluster_metadata
    from ray._private.services import find_node_ids

    try:
        metadata = get_cluster_metadata(client)
    except Exception as exc:  # noqa: BLE001 - a cluster without metadata: ray.init's own check decides
        log.debug("no cluster metadata: %s", exc)
        metadata = None
    if metadata:
        try:
            check_version_info(metadata, "this machine")
        except RuntimeError as exc:
            ray_version, python_version = compute_version_info()
            return {
                **answer,
                "result": "version",
                "detail": str(exc),
                "cluster_ray": metadata.get("ray_version"),
                "cluster_python": metadata.get("python_version"),
                "ray": ray_version,
                "python": python_version,
            }
    try:
        alive = {info.node_id.hex() for info in client.get_all_node_info().values() if info.state == 0}  # ALIVE
    except Exception as exc:  # noqa: BLE001 - cannot tell: ray.init finds out
        log.debug("no node list: %s", exc)
        return answer
    if not alive & set(find_node_ids()):  # find_node_ids: the raylets running on this machine
        return {**answer, "result": "no_local_node"}
    return answer


if __name__ == "__main__":
    print(json.dumps(_probe_main(sys.argv[1])), flush=True)
