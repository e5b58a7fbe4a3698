"""The web application: the respondents' pages and upload API, and the marketer's dashboard.

Respondents (``/r/<token>/...``; the token is the only credential, single-use and expiring):

- ``GET /r/<token>``: the page (consent, camera check, the ad, thank-you); ``GET .../info`` its
  numbers; ``GET .../ad`` the ad (only to a valid link).
- ``POST .../check``: one still picture (JPEG or PNG) from the camera check; answers whether a
  face is visible and lit. The picture is looked at in memory and never stored.
- ``POST .../start``: ``{"consent": "yes", "mime": "video/webm"}``, before recording.
- ``GET .../chunks`` how many bytes of the recording have arrived; ``PUT .../chunks?offset=N``
  appends the next bytes (a chunk cut off by a dropped connection is discarded whole, so the
  page resumes from the last complete one).
- ``POST .../upload`` (multipart): ``consent=yes``, ``adclock`` (JSON ``[[recording_ms,
  ad_ms], ...]``) and either ``video`` (the whole recording) or ``size`` (and optionally
  ``sha256``) of the chunks sent. 201 when accepted; every refusal is a 4xx with a JSON
  ``{"error": ...}``.

The marketer (a secret is needed unless the server listens on loopback only): ``GET /`` the
dashboard, ``GET /api/status`` the same as JSON, ``GET /study/`` the study report.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import cv2
import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from emolab import __version__
from emolab.errors import EmolabError
from emolab.media import AdInfo
from emolab.serve.analyser import Analyser
from emolab.serve.invites import ANALYSED, FAILED, INVITED, STARTED, UPLOADED, Invite, InviteStore, valid_token
from emolab.serve.limits import RateLimiter
from emolab.serve.uploads import Limits, UploadRejected, check_recording, check_snapshot, parse_adclock
from emolab.settings import Settings

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent / "web"
#: A link whose uploads were refused this often is given up (a browser that cannot record).
MAX_REJECTED = 5
#: Bytes of a refused body read and thrown away so the client hears the answer; beyond, the connection closes.
DRAIN_BYTES = 64 * 1024 * 1024
#: Recordings decoded at once to check them (the rest wait): the analysis needs the cores.
CHECKS_AT_ONCE = 2
#: Files of the study the dashboard links to.
STUDY_FILES = ("study.html", "study_curves.csv", "study_respondents.csv", "study_scenes.csv")
KEY_COOKIE = "emolab_key"
FORM_FIELDS = {"consent", "adclock", "video", "size", "sha256"}

# The respondent's page runs only emolab's own script and style, talks only to this server,
# and may film only for this origin.
RESPONDENT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
COMMON_HEADERS = {
    "Referrer-Policy": "no-referrer",  # links carry tokens
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ServeConfig:
    """What ``emolab serve`` was started with."""

    study: Path
    ad: Path
    ad_info: AdInfo
    settings: Settings
    limits: Limits
    secret: str | None = None
    keep_videos: bool = False
    retention: str = "as long as the study runs"
    loopback: bool = True
    https: bool = False
    #: What links start with (``--base-url``, else the address the server listens on).
    public_url: str = ""


class ServeState:
    """Everything the handlers share: the invites, the analyser, the limits, a detector for camera checks."""

    def __init__(self, config: ServeConfig, invites: InviteStore, analyser: Analyser) -> None:
        self.config = config
        self.invites = invites
        self.analyser = analyser
        self.uploads = invites.folder / "uploads"
        self.recordings = config.study / "recordings" if config.keep_videos else invites.folder / "recordings"
        for folder in (self.uploads, self.recordings):
            folder.mkdir(parents=True, exist_ok=True)
        self._clear_uploads()
        # A respondent's page makes a request a second while uploading, a few more around it.
        self.per_token = RateLimiter(rate=4.0, burst=60.0)
        self.per_address = RateLimiter(rate=1.0, burst=30.0)  # links that match no invite: guessing
        self._locks: dict[str, asyncio.Lock] = {}
        self._checks: asyncio.Semaphore | None = None
        self._detector: Any = None
        self._detector_lock = threading.Lock()
        self.started_at = time.time()
        self.accepted = 0
        self.rejected = 0
        self.templates = Environment(loader=FileSystemLoader(str(WEB)), autoescape=select_autoescape(["html"]))

    def _clear_uploads(self) -> None:
        """Drop what an earlier run left that no one can finish: checks cut short, uploads of links used or expired."""
        open_ids = {i.id for i in self.invites.open_invites() if i.status == STARTED}
        for path in self.uploads.iterdir():
            if path.suffix != ".part" or path.stem not in open_ids:
                path.unlink(missing_ok=True)

    def lock(self, invite_id: str) -> asyncio.Lock:
        return self._locks.setdefault(invite_id, asyncio.Lock())

    @property
    def checks(self) -> asyncio.Semaphore:
        if self._checks is None:
            self._checks = asyncio.Semaphore(CHECKS_AT_ONCE)
        return self._checks

    def part_file(self, invite: Invite) -> Path:
        return self.uploads / f"{invite.id}.part"

    def detect(self, image: np.ndarray) -> list[Any]:
        """Faces in a camera-check picture (the study's detector, loaded on first use)."""
        with self._detector_lock:
            if self._detector is None:
                from emolab.detection import create_detector

                self._detector = create_detector(self.config.settings.detector, self.config.settings)
            return self._detector.detect(image)


# --- answers -------------------------------------------------------------------------------


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class _Body:
    """A request's body, read once through a cap of ``limit`` bytes (a 413 past it).

    :meth:`drain` reads and drops what is left of a refused body so the client hears the
    answer; it knows when the body has ended (reading on after that would wait for the
    client to hang up).
    """

    def __init__(self, request: Request, limit: int = 0) -> None:
        self.raw = request
        self.limit = limit
        self.total = 0
        self.done = False
        self.request = Request(request.scope, self._receive)

    async def _receive(self) -> dict[str, Any]:
        message = await self.raw.receive()
        if message["type"] == "http.request":
            self.total += len(message.get("body", b""))
            self.done = not message.get("more_body", False)
            if self.total > self.limit:
                raise UploadRejected(413, f"the upload is over {self.limit} bytes")
        else:
            self.done = True  # the client went away
        return message

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.request.stream()])

    async def drain(self, limit: int = DRAIN_BYTES) -> None:
        seen = 0
        try:
            while not self.done and seen <= limit:
                message = await self.raw.receive()
                seen += len(message.get("body", b""))
                self.done = message["type"] != "http.request" or not message.get("more_body", False)
        except (ClientDisconnect, OSError):
            self.done = True


async def _drain(request: Request) -> None:
    """Drop the unread body of a request refused before reading it."""
    await _Body(request).drain()


def _declared_length(request: Request) -> int | None:
    try:
        value = request.headers.get("content-length")
        return None if value is None else int(value)
    except ValueError:
        raise UploadRejected(400, "Content-Length is not a number") from None


# --- the respondent's side -----------------------------------------------------------------


def _invite(request: Request, allow_used: bool = False) -> Invite:
    """The invite a respondent's request names, after its rate limit.

    Raises:
        UploadRejected: 429 too many requests, 404 unknown link, 409 used up, 410 expired.
    """
    state: ServeState = request.app.state.serve
    token = request.path_params["token"]
    known = valid_token(token)
    limiter, key = (state.per_token, token) if known else (state.per_address, _client(request))
    if not limiter.allow(key):
        raise UploadRejected(429, "too many requests; wait a moment", retry_after=limiter.retry_after(key))
    invite = state.invites.by_token(token) if known else None
    if invite is None:
        if known:  # a well-formed token that matches nothing: count it against the address too
            state.per_address.allow(_client(request))
        raise UploadRejected(404, "this link is not valid; check that you copied all of it")
    if invite.used and not allow_used:
        raise UploadRejected(409, "this link has already been used: thank you, your part is done")
    if invite.expired():
        raise UploadRejected(410, "this link has expired; ask the person who sent it for a new one")
    return invite


async def respondent_page(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    try:
        invite = _invite(request)
    except UploadRejected as exc:
        page = state.templates.get_template("closed.html").render(message=exc.message)
        return HTMLResponse(page, status_code=exc.status, headers=RESPONDENT_HEADERS)
    if invite.opened_at is None:
        state.invites.update(invite.id, opened_at=time.time())
    cfg = state.config
    page = state.templates.get_template("respondent.html").render(
        ad_seconds=round(cfg.ad_info.duration_ms / 1000.0),
        keep_videos=cfg.keep_videos,
        retention=cfg.retention,
        respondent=invite.id,
        version=__version__,
    )
    return HTMLResponse(page, headers=RESPONDENT_HEADERS)


async def info(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    invite = _invite(request)
    limits = state.config.limits
    return JSONResponse(
        {
            "respondent": invite.id,
            "status": invite.status,
            "received": invite.received,
            "ad_duration_ms": state.config.ad_info.duration_ms,
            "max_bytes": limits.max_bytes,
            "max_seconds": limits.max_seconds,
            "chunk_bytes": limits.chunk_bytes,
            "keep_videos": state.config.keep_videos,
        }
    )


async def ad_file(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    _invite(request)
    return FileResponse(state.config.ad, headers={"Cache-Control": "private, max-age=3600"})


async def camera_check(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    _invite(request)
    if (_declared_length(request) or 0) > 1024 * 1024:
        await _drain(request)
        raise UploadRejected(413, "the camera picture is over 1024 kB")
    reader = _Body(request, 1024 * 1024)
    try:
        body = await reader.read()
    except UploadRejected:
        await reader.drain()
        raise
    data = check_snapshot(body)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or min(image.shape[:2]) < 16:
        raise UploadRejected(422, "the camera picture does not decode")
    try:
        faces = await anyio.to_thread.run_sync(state.detect, image)
    except EmolabError as exc:  # e.g. the detector's model does not load: the page lets them go on after a while
        log.error("the camera check cannot run: %s", exc)
        raise UploadRejected(503, "the camera check is not available right now") from exc
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if faces:
        h, w = grey.shape
        bx1, by1, bx2, by2 = faces[0].box
        x1, y1 = max(0, int(bx1)), max(0, int(by1))
        x2, y2 = min(w, int(bx2)), min(h, int(by2))
        region = grey[y1:y2, x1:x2] if x2 > x1 and y2 > y1 else grey
    else:
        region = grey
    brightness = float(region.mean())
    lit = 60.0 <= brightness <= 235.0
    if not faces:
        message = "No face found: sit in front of the camera, facing it, with your whole face in the picture."
    elif brightness < 60.0:
        message = "Your face is too dark: turn on a light in front of you or face a window."
    elif brightness > 235.0:
        message = "Your face is too bright: move away from a strong light."
    else:
        message = "Your face is visible and well lit."
    return JSONResponse(
        {
            "face": bool(faces),
            "lit": lit,
            "ok": bool(faces) and lit,
            "brightness": round(brightness, 1),
            "message": message,
        }
    )


async def _json_object(request: Request, allowed: set[str], limit: int = 4096) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        await _drain(request)
        raise UploadRejected(415, "send JSON (Content-Type: application/json)")
    reader = _Body(request, limit)
    try:
        body = await reader.read()
    except UploadRejected:
        await reader.drain()
        raise
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadRejected(400, f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UploadRejected(400, "the body must be a JSON object")
    unknown = set(data) - allowed
    if unknown:
        raise UploadRejected(
            400, f"unexpected field {sorted(unknown)[0]!r}; the fields are {', '.join(sorted(allowed))}"
        )
    return data


async def start(request: Request) -> Response:
    """Consent given, recording about to start: a new recording replaces any earlier partial one."""
    state: ServeState = request.app.state.serve
    invite = _invite(request)
    data = await _json_object(request, {"consent", "mime"})
    if data.get("consent") != "yes":
        raise UploadRejected(400, "consent must be 'yes': nothing is recorded without it")
    mime = data.get("mime", "")
    if not isinstance(mime, str) or len(mime) > 100 or not mime.startswith(("video/webm", "video/mp4")):
        raise UploadRejected(400, "mime must be the recording's type, video/webm or video/mp4")
    async with state.lock(invite.id):
        state.part_file(invite).unlink(missing_ok=True)
        state.invites.update(
            invite.id, status=STARTED, started_at=time.time(), mime=mime, received=0, reason=invite.reason
        )
    log.info("%s started", invite.id)
    return JSONResponse({"received": 0, "chunk_bytes": state.config.limits.chunk_bytes})


async def chunks_received(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    invite = _invite(request)
    if invite.status == STARTED:
        state.invites.increment(invite.id, "resumes")  # the page asks only when resuming
    return JSONResponse({"received": invite.received})


async def put_chunk(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    invite = _invite(request)
    limits = state.config.limits
    if invite.status != STARTED:
        await _drain(request)
        raise UploadRejected(409, "give consent and start the recording first (POST .../start)")
    try:
        offset = int(request.query_params.get("offset", ""))
    except ValueError:
        await _drain(request)
        raise UploadRejected(400, "offset must be the number of bytes already sent") from None
    declared = _declared_length(request)
    if declared is not None and declared > limits.chunk_bytes:
        await _drain(request)
        raise UploadRejected(413, f"a chunk may hold at most {limits.chunk_bytes} bytes")
    async with state.lock(invite.id):
        invite = state.invites.get(invite.id) or invite
        if offset != invite.received:
            await _drain(request)
            raise UploadRejected(409, f"expected offset {invite.received}", received=invite.received)
        part = state.part_file(invite)
        written = 0
        reader = _Body(request, limits.chunk_bytes)
        try:
            with open(part, "ab") as fh:
                fh.truncate(invite.received)  # drop whatever a cut-off chunk left
                async for data in reader.request.stream():
                    written += len(data)
                    if invite.received + written > limits.max_bytes:
                        raise UploadRejected(413, f"the recording is over {limits.max_bytes} bytes")
                    fh.write(data)
        except (ClientDisconnect, UploadRejected, OSError) as exc:
            with open(part, "ab") as fh:
                fh.truncate(invite.received)  # a chunk counts whole or not at all
            if isinstance(exc, ClientDisconnect):
                log.info("%s: connection dropped mid-chunk at %d bytes", invite.id, invite.received)
                return Response(status_code=400)  # nobody hears it
            if isinstance(exc, UploadRejected):
                await reader.drain()
                raise
            raise UploadRejected(507, f"the server cannot store the recording: {exc}") from exc
        received = invite.received + written
        state.invites.update(invite.id, received=received)
    return JSONResponse({"received": received})


async def upload(request: Request) -> Response:
    """The end of a recording: the whole video in one request, or the chunks sent before."""
    state: ServeState = request.app.state.serve
    invite = _invite(request)
    limits = state.config.limits
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "multipart/form-data":
        await _drain(request)
        raise UploadRejected(415, "send multipart/form-data with consent, adclock and video (or size)")
    declared = _declared_length(request)
    body_limit = limits.max_bytes + limits.adclock_bytes + 64 * 1024
    if declared is not None and declared > body_limit:
        await _drain(request)
        raise UploadRejected(413, f"the upload is over {limits.max_bytes} bytes")
    reader = _Body(request, body_limit)
    try:
        form = await reader.request.form(max_files=1, max_fields=len(FORM_FIELDS), max_part_size=limits.adclock_bytes)
    except HTTPException as exc:
        await reader.drain()
        raise UploadRejected(400, f"the form cannot be read: {exc.detail}") from exc
    except UploadRejected:
        await reader.drain()
        raise
    try:
        return await _finish_upload(state, invite, form)
    finally:
        await form.close()


async def _finish_upload(state: ServeState, invite: Invite, form: Any) -> Response:
    limits = state.config.limits
    names = list(form.keys())
    unknown = sorted(set(names) - FORM_FIELDS)
    if unknown:
        raise UploadRejected(400, f"unexpected field {unknown[0]!r}; the fields are {', '.join(sorted(FORM_FIELDS))}")
    if len(names) != len(set(names)):
        raise UploadRejected(400, "a field is given twice")
    texts = {k: v for k, v in form.items() if k != "video"}
    if any(not isinstance(v, str) for v in texts.values()):
        raise UploadRejected(400, "only the video field may be a file")
    if texts.get("consent") != "yes":
        raise UploadRejected(400, "consent must be 'yes': nothing is kept without it")
    if "adclock" not in texts:
        raise UploadRejected(400, "the adclock field (the ad's position against the recording) is missing")
    clock = parse_adclock(texts["adclock"], limits)
    video = form.get("video")
    if video is not None and not isinstance(video, UploadFile):
        raise UploadRejected(400, "the video field must be a file")
    if (video is None) == ("size" not in texts):
        raise UploadRejected(400, "send either the video, or the size of the chunks already sent")
    if (
        video is not None
        and video.filename
        and ("/" in video.filename or "\\" in video.filename or ".." in video.filename or "\x00" in video.filename)
    ):
        raise UploadRejected(400, "the video's file name must be a plain name (it is not used)")
    sha256 = texts.get("sha256")
    if sha256 is not None and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise UploadRejected(400, "sha256 must be 64 lower-case hex digits")
    async with state.lock(invite.id):
        invite = state.invites.get(invite.id) or invite
        if invite.used:
            raise UploadRejected(409, "this link has already been used: thank you, your part is done")
        if video is not None:
            candidate = state.uploads / f"{invite.id}.upload"
            await anyio.to_thread.run_sync(_save_upload, video, candidate, limits.max_bytes)
        else:
            try:
                size = int(texts["size"])
            except ValueError:
                raise UploadRejected(400, "size must be a whole number of bytes") from None
            if invite.status != STARTED:
                raise UploadRejected(409, "no recording was started with this link (POST .../start first)")
            if size != invite.received:
                raise UploadRejected(
                    409, f"{invite.received} of {size} bytes arrived; send the rest", received=invite.received
                )
            candidate = state.part_file(invite)
        try:
            async with state.checks:
                recording = await anyio.to_thread.run_sync(_check_file, candidate, clock, limits, sha256)
        except UploadRejected as exc:
            candidate.unlink(missing_ok=True)
            state.rejected += 1
            rejected = invite.rejected + 1
            status = FAILED if rejected >= MAX_REJECTED else (STARTED if invite.status == STARTED else invite.status)
            state.invites.update(
                invite.id,
                rejected=rejected,
                received=0,
                status=status,
                reason=f"upload refused: {exc.message}",
                finished_at=time.time() if status == FAILED else None,
            )
            raise
        final = state.recordings / f"{invite.id}{recording.suffix}"
        os.replace(candidate, final)
        state.part_file(invite).unlink(missing_ok=True)  # chunks of an earlier try, if the whole came at once
        state.invites.update(
            invite.id,
            status=UPLOADED,
            uploaded_at=time.time(),
            recording=str(final),
            upload_bytes=final.stat().st_size,
            adclock=json.dumps(clock.to_list()),
            reason="",
            started_at=invite.started_at or time.time(),
        )
        state.accepted += 1
    state.analyser.submit(invite.id)
    log.info(
        "%s uploaded %d bytes (%d frames, %.1f s)",
        invite.id,
        final.stat().st_size,
        recording.frames,
        recording.duration_ms / 1000,
    )
    return JSONResponse(
        {
            "status": UPLOADED,
            "respondent": invite.id,
            "frames": recording.frames,
            "seconds": recording.duration_ms / 1000,
        },
        status_code=201,
    )


def _save_upload(video: UploadFile, target: Path, max_bytes: int) -> None:
    video.file.seek(0, os.SEEK_END)
    if video.file.tell() > max_bytes:
        raise UploadRejected(413, f"the recording is over {max_bytes} bytes")
    video.file.seek(0)
    with open(target, "wb") as out:
        shutil.copyfileobj(video.file, out, 1024 * 1024)


def _check_file(path: Path, clock: Any, limits: Limits, sha256: str | None) -> Any:
    if sha256 is not None:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                h.update(block)
        if h.hexdigest() != sha256:
            raise UploadRejected(422, "the recording that arrived differs from the one sent (sha256); send it again")
    return check_recording(path, clock, limits)


# --- the marketer's side -------------------------------------------------------------------


def _authorised(request: Request) -> Response | None:
    """None when the request may see the dashboard; else the answer (a redirect that sets the cookie, or 401)."""
    secret = request.app.state.serve.config.secret
    if secret is None:
        return None
    given = request.query_params.get("key")
    if given is not None and hmac.compare_digest(given.encode(), secret.encode()):
        target = request.url.remove_query_params("key")
        response = RedirectResponse(str(target.path) or "/", status_code=303)
        response.set_cookie(
            KEY_COOKIE, secret, httponly=True, samesite="strict", secure=request.app.state.serve.config.https
        )
        return response
    auth = request.headers.get("authorization", "")
    supplied = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(KEY_COOKIE, "")
    if supplied and hmac.compare_digest(supplied.encode(), secret.encode()):
        return None
    return error(401, "the dashboard needs the secret emolab serve printed at start: open the address it printed")


def status_record(state: ServeState) -> dict[str, Any]:
    cfg = state.config
    now = time.time()
    invites = state.invites.all()
    study = cfg.study / STUDY_FILES[0]
    a = state.analyser
    return {
        "study": str(cfg.study),
        "ad": {"file": cfg.ad_info.file, "duration_ms": cfg.ad_info.duration_ms},
        "counts": state.invites.counts(),
        "uploads": {"accepted": state.accepted, "refused": state.rejected},
        "analysis": {
            "engine": a.engine_detail or a.engine_name,
            "queued_or_running": a.busy,
            "analysed": a.analysed,
            "busy_s": round(a.busy_s, 1),
            "error": a.error,
            "studies_built": a.studies_built,
            "study_sessions": a.study_sessions,
        },
        "study_report": "/study/" if study.is_file() else None,
        "keep_videos": cfg.keep_videos,
        "invites": [i.public(now) for i in invites],
        "server": {"version": __version__, "started_at": state.started_at, "pid": os.getpid()},
    }


async def dashboard(request: Request) -> Response:
    denied = _authorised(request)
    if denied is not None:
        return denied
    state: ServeState = request.app.state.serve
    record = status_record(state)
    base = state.config.public_url or str(request.base_url).rstrip("/")
    links = {i.id: f"{base}/r/{i.token}" for i in state.invites.open_invites()}
    page = state.templates.get_template("dashboard.html").render(s=record, links=links, statuses=_STATUS_ORDER)
    return HTMLResponse(page)


_STATUS_ORDER = (INVITED, STARTED, UPLOADED, ANALYSED, FAILED, "expired")


async def api_status(request: Request) -> Response:
    denied = _authorised(request)
    if denied is not None:
        return denied
    return JSONResponse(status_record(request.app.state.serve))


async def study_file(request: Request) -> Response:
    denied = _authorised(request)
    if denied is not None:
        return denied
    state: ServeState = request.app.state.serve
    name = request.path_params.get("name") or STUDY_FILES[0]
    path = state.config.study / name
    if name not in STUDY_FILES or not path.is_file():
        return error(404, "no such study file yet (the study is built once a recording is analysed)")
    return FileResponse(path)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


# --- the application -------------------------------------------------------------------------


async def _rejected(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UploadRejected)
    headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
    extra = {k: v for k, v in exc.extra.items() if k != "retry_after"}
    response = error(exc.status, exc.message, **extra)
    if headers:
        response.headers.update(headers)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, str(exc.detail))


class _Headers:
    """Adds the security headers to every answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in COMMON_HEADERS.items()
                    if k.lower().encode() not in present
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(state: ServeState) -> Starlette:
    """The Starlette application serving ``state``'s study."""
    routes = [
        Route("/", dashboard),
        Route("/api/status", api_status),
        Route("/healthz", health),
        Route("/study/", study_file),
        Route("/study/{name}", study_file),
        Route("/r/{token}", respondent_page),
        Route("/r/{token}/info", info),
        Route("/r/{token}/ad", ad_file),
        Route("/r/{token}/check", camera_check, methods=["POST"]),
        Route("/r/{token}/start", start, methods=["POST"]),
        Route("/r/{token}/chunks", chunks_received, methods=["GET"]),
        Route("/r/{token}/chunks", put_chunk, methods=["PUT"]),
        Route("/r/{token}/upload", upload, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(WEB / "static")), name="static"),
    ]
    middleware = [Middleware(_Headers)]
    if state.config.loopback:
        # Loopback needs no secret, so no other site may reach it through a name it points at here.
        hosts = ["127.0.0.1", "localhost", "::1", "[::1]"]
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={UploadRejected: _rejected, HTTPException: _http_error},
    )
    app.state.serve = state
    return app
