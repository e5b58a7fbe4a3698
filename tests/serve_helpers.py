"""Helpers for the tests (and the load benchmark) of ``emolab serve``: a real server, a real client.

:class:`Served` starts ``emolab serve`` as its own process on a free loopback port and reads
the addresses it prints; :func:`upload_chunked` speaks the upload protocol as the
respondent's page does (start, chunks, finalisation).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]


class Served:
    """``emolab serve`` running in its own process; stop it with :meth:`stop` (or use ``with``)."""

    def __init__(self, study: Path, ad: Path, *args: str, log: Path | None = None, timeout: float = 60.0) -> None:
        self.study = Path(study)
        self.log = log or self.study.parent / f"{self.study.name}-serve.log"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "emolab", "serve", "--study", str(study), "--ad", str(ad), "--port", "0", *args]
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text()
            if "Press Ctrl-C to stop." in text:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emolab serve did not start:\n{text}")
            time.sleep(0.1)
        self.dashboard = re.search(r"^Dashboard: (\S+)", text, re.M).group(1)
        self.base = self.dashboard.split("?")[0].rstrip("/")
        self.links = re.findall(r"^  inv-\d+  (\S+)$", text, re.M)
        self.client = httpx.Client(base_url=self.base, timeout=60.0, verify=False)

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def token(self, i: int) -> str:
        return self.links[i].rsplit("/", 1)[1]

    def status(self) -> dict[str, Any]:
        r = self.client.get("/api/status")
        r.raise_for_status()
        return r.json()

    def invite(self, invite_id: str) -> dict[str, Any]:
        return next(i for i in self.status()["invites"] if i["id"] == invite_id)

    def wait_for(self, predicate: Any, timeout: float, what: str) -> dict[str, Any]:
        """Poll the status until ``predicate(status)`` holds; fail with the last status after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {json.dumps(status['counts'])}\n{self.log_text()}")
            time.sleep(0.5)

    def log_text(self) -> str:
        return self.log.read_text()[-5000:]

    def stop(self, timeout: float = 60.0) -> int | None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()
        return self.proc.returncode


def adclock_for(seconds: float, ad_ms: float, start_ms: float = 500.0, step_ms: float = 40.0) -> list[list[float]]:
    """A page's clock for a recording that started ``start_ms`` before the ad and played it through."""
    pairs, t = [], 0.0
    while t <= ad_ms:
        pairs.append([round(start_ms + t, 3), round(t, 3)])
        t += step_ms
    pairs.append([round(start_ms + ad_ms, 3), ad_ms])
    return [p for p in pairs if p[0] <= seconds * 1000.0]


def upload_chunked(
    client: httpx.Client, token: str, video: bytes, adclock: list, chunk: int = 64 * 1024
) -> httpx.Response:
    """Send ``video`` as the respondent's page does: start, chunks at their offsets, then the finalisation."""
    r = client.post(f"/r/{token}/start", json={"consent": "yes", "mime": "video/webm;codecs=vp8"})
    r.raise_for_status()
    sent = 0
    while sent < len(video):
        r = client.put(
            f"/r/{token}/chunks",
            params={"offset": sent},
            content=video[sent : sent + chunk],
            headers={"Content-Type": "application/octet-stream"},
        )
        r.raise_for_status()
        sent = r.json()["received"]
    data = {"consent": "yes", "size": str(len(video)), "sha256": hashlib.sha256(video).hexdigest()}
    # A part without a file name is a plain field; httpx sends multipart only when given "files".
    return client.post(f"/r/{token}/upload", data=data, files={"adclock": (None, json.dumps(adclock))})


def upload_whole(client: httpx.Client, token: str, video: bytes, adclock: Any, **fields: Any) -> httpx.Response:
    """The one-request upload: multipart ``video``, ``adclock``, ``consent``."""
    filename = fields.pop("filename", "blob")
    data = {"consent": "yes", "adclock": adclock if isinstance(adclock, str) else json.dumps(adclock), **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/r/{token}/upload", data=data, files={"video": (filename, video, "video/webm")})
