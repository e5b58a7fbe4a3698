"""``emolab serve``: open a study to respondents on the web, analyse what they send, until stopped."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import cv2

from emolab.batch.study_dir import expected_models, study_lock
from emolab.errors import EmolabError, ServeError
from emolab.media import AdInfo, probe_ad
from emolab.serve.analyser import Analyser
from emolab.serve.app import ServeConfig, ServeState, create_app
from emolab.serve.invites import DEFAULT_EXPIRES_DAYS, Invite, InviteStore
from emolab.serve.uploads import Limits
from emolab.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PORT = 8750
#: Codecs every current browser plays in a <video> element (H.264, VP8, VP9, AV1, Theora).
PLAYABLE_CODECS = {"h264", "avc1", "avc3", "x264", "vp80", "vp08", "vp90", "vp09", "av01", "av1", "theo"}
#: Invite links printed at start; the dashboard lists them all.
PRINTED_LINKS = 20
DEMO_AD = "demo-ad.webm"


@dataclass(frozen=True)
class ServeOptions:
    """The command line of ``emolab serve``."""

    study: Path
    ad: Path | None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    invites: int | None = None
    expires_days: float = DEFAULT_EXPIRES_DAYS
    engine: str = "local"
    workers: int | None = None
    address: str | None = None
    keep_videos: bool = False
    cert: Path | None = None
    key: Path | None = None
    secret: str | None = None
    base_url: str | None = None
    max_upload_mb: float = 200.0
    max_seconds: float | None = None
    retention: str = "as long as the study runs"
    demo: bool = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ad_codec(path: Path) -> str:
    """The ad's video codec as OpenCV names it (e.g. ``h264``, ``vp80``, ``fmp4``), lower case."""
    cap = cv2.VideoCapture(str(path))
    try:
        value = int(cap.get(cv2.CAP_PROP_FOURCC))
    finally:
        cap.release()
    return value.to_bytes(4, "little").decode("latin-1").strip("\x00 ").lower()


def check_playable(path: Path) -> None:
    """Refuse an ad that browsers cannot play (the respondent's page would show nothing).

    Raises:
        ServeError: naming the codec and how to convert the ad.
    """
    codec = ad_codec(path)
    if codec not in PLAYABLE_CODECS:
        raise ServeError(
            f"the ad {path.name} is encoded as {codec or 'an unknown codec'}, which web browsers do not play; "
            f"convert it to H.264 MP4 (ffmpeg -i {path.name} -c:v libx264 -pix_fmt yuv420p -c:a aac ad-web.mp4) "
            "or VP9 WebM, and serve that"
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (``port`` 0: any free port).

    Raises:
        ServeError: the address is taken or not this machine's.
    """
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ServeError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "choose another --port, or a --host of this machine"
        ) from exc
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def base_url(opts: ServeOptions, port: int) -> str:
    if opts.base_url:
        return opts.base_url.rstrip("/")
    scheme = "https" if opts.cert else "http"
    host = f"[{opts.host}]" if ":" in opts.host and not opts.host.startswith("[") else opts.host
    if host in ("0.0.0.0", "[::]"):
        host = socket.gethostname()
    return f"{scheme}://{host}:{port}"


def invite_lines(invites: list[Invite], base: str) -> list[str]:
    return [f"  {i.id}  {base}/r/{i.token}" for i in invites]


def add_invites(
    study: Path,
    count: int,
    expires_days: float = DEFAULT_EXPIRES_DAYS,
    base: str | None = None,
    out: TextIO = sys.stdout,
) -> list[Invite]:
    """``emolab serve invite``: ``count`` new links for a served study, printed one a line."""
    store = InviteStore(Path(study))
    base = (base or store.get_meta("base_url") or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")
    invites = store.add(count, expires_days)
    for line in invite_lines(invites, base):
        print(line, file=out)
    return invites


def _limits(opts: ServeOptions, ad: AdInfo) -> Limits:
    if not 0 < opts.max_upload_mb <= 10_000:
        raise ServeError(f"--max-upload-mb must be more than 0 and at most 10000, got {opts.max_upload_mb:g}")
    # A recording holds the ad and a little before and after it, or pauses: allow five minutes beyond the ad.
    max_seconds = opts.max_seconds if opts.max_seconds is not None else ad.duration_ms / 1000.0 + 300.0
    if not ad.duration_ms / 1000.0 <= max_seconds <= 6 * 3600:
        raise ServeError(
            f"--max-seconds must be at least the ad's {ad.duration_ms / 1000:.1f} s and at most 21600, "
            f"got {max_seconds:g}"
        )
    max_bytes = int(opts.max_upload_mb * 1024 * 1024)
    return Limits(
        max_bytes=max_bytes,
        max_seconds=max_seconds,
        ad_duration_ms=ad.duration_ms,
        chunk_bytes=min(8 * 1024 * 1024, max_bytes),
    )


def _ad(opts: ServeOptions) -> Path:
    if opts.demo:
        from emolab.demo import make_demo_ad

        path = Path(opts.study) / DEMO_AD
        if not path.is_file():
            make_demo_ad(path)
        return path
    if opts.ad is None:
        raise ServeError("say which ad to show: --ad AD.mp4 (or --demo for the bundled demo ad)")
    return Path(opts.ad)


def serve(opts: ServeOptions, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run the server until interrupted (Ctrl-C or SIGTERM).

    Raises:
        EmolabError: bad options, an unplayable ad, a study of another ad or in use, a busy port.
    """
    import uvicorn

    if (opts.cert is None) != (opts.key is None):
        raise ServeError("HTTPS needs both --cert CERT.pem and --key KEY.pem")
    for name, path in (("--cert", opts.cert), ("--key", opts.key)):
        if path is not None and not Path(path).is_file():
            raise ServeError(f"{name} {path} does not exist; give the certificate and its private key (PEM files)")
    if opts.engine not in ("local", "ray"):
        raise ServeError(f"unknown engine {opts.engine!r}; choose local or ray")
    if opts.workers is not None and opts.workers < 1:
        raise ServeError(f"--workers must be at least 1, got {opts.workers}")
    if opts.address and opts.engine != "ray":
        raise ServeError("--address names a Ray cluster: add --engine ray")
    if opts.engine == "ray":
        from emolab.batch.ray_engine import import_ray

        import_ray()
    study = Path(opts.study)
    study.mkdir(parents=True, exist_ok=True)
    ad_path = _ad(opts)
    ad_info = probe_ad(ad_path)
    check_playable(ad_path)
    limits = _limits(opts, ad_info)
    models = expected_models(settings)
    loopback = is_loopback(opts.host)
    # A secret given is always asked for (behind a reverse proxy the server is on loopback but public).
    secret = opts.secret or os.environ.get("EMOLAB_SERVE_SECRET") or (None if loopback else secrets.token_urlsafe(24))
    with study_lock(study):
        invites = InviteStore(study)
        invites.claim_ad(ad_info.sha256, ad_info.file)
        sock = bind(opts.host, opts.port)
        port = sock.getsockname()[1]
        base = base_url(opts, port)
        invites.set_meta("base_url", base)
        count = opts.invites if opts.invites is not None else (0 if invites.open_invites() else 1)
        invites.add(count, opts.expires_days)
        config = ServeConfig(
            study=study,
            ad=ad_path.resolve(),
            ad_info=ad_info,
            settings=settings,
            limits=limits,
            secret=secret,
            keep_videos=opts.keep_videos,
            retention=opts.retention,
            loopback=loopback,
            https=opts.cert is not None,
            public_url=base,
        )
        analyser = Analyser(
            study,
            ad_path.resolve(),
            settings,
            invites,
            models,
            opts.engine,
            opts.workers,
            opts.address,
            opts.keep_videos,
        )
        state = ServeState(config, invites, analyser)
        app = create_app(state)
        analyser.start()
        _announce(out, opts, ad_info, base, secret, invites, limits)
        server = _server_class()(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                loop="asyncio",
                http="h11",
                ws="none",
                lifespan="off",
                ssl_certfile=str(opts.cert) if opts.cert else None,
                ssl_keyfile=str(opts.key) if opts.key else None,
                timeout_keep_alive=10,
                limit_concurrency=1000,
                server_header=False,
                timeout_graceful_shutdown=5,
            )
        )
        try:
            server.run(sockets=[sock])
        except EmolabError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. an unreadable certificate
            raise ServeError(f"the server stopped: {exc}") from exc
        finally:
            sock.close()
            print("emolab serve: stopping; recordings not yet analysed are analysed on the next start", file=out)
            out.flush()
            analyser.stop()
    return 0


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server; Ctrl-C or SIGTERM stop it without being raised again afterwards.

        uvicorn re-raises the signal once it has stopped, which would end the process before
        emolab stops its analysis workers: emolab ends cleanly instead (exit status 0).
        """

        def handle_exit(self, sig: int, frame: object) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop waiting for open connections
            else:
                self.should_exit = True

    return Server


def _announce(
    out: TextIO, opts: ServeOptions, ad: AdInfo, base: str, secret: str | None, invites: InviteStore, limits: Limits
) -> None:
    key = f"?key={secret}" if secret else ""
    print(f"emolab serve: study {opts.study}, ad {ad.file} ({ad.duration_ms / 1000:.1f} s)", file=out)
    print(f"Dashboard: {base}/{key}", file=out)
    if secret:
        print(f"  (the dashboard needs this secret: {secret})", file=out)
    open_links = invites.open_invites()
    print(f"Invite links ({len(open_links)} open; each works once):", file=out)
    for line in invite_lines(open_links[:PRINTED_LINKS], base):
        print(line, file=out)
    if len(open_links) > PRINTED_LINKS:
        print(f"  ... and {len(open_links) - PRINTED_LINKS} more on the dashboard", file=out)
    print(f"More links: emolab serve invite --study {opts.study} --count N", file=out)
    if not is_loopback(opts.host) and not opts.cert and not (opts.base_url or "").startswith("https://"):
        print(
            "emolab serve: warning: browsers give the camera only to https:// pages (or localhost); respondents on "
            "other machines need --cert/--key or an HTTPS reverse proxy (--base-url https://...)",
            file=out,
        )
    kept = f"KEPT in {Path(opts.study) / 'recordings'}" if opts.keep_videos else "deleted after analysis"
    print(
        f"Uploads up to {limits.max_bytes // (1024 * 1024)} MB and {limits.max_seconds:.0f} s; "
        f"recordings are {kept}."
        " Press Ctrl-C to stop.",
        file=out,
    )
    out.flush()
