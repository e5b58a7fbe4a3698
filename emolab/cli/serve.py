"""``emolab serve``: respondents watch the ad at home in their browser; their reactions land in a study."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.common import add_model_options, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the ad to respondents' browsers (webcam recordings analysed into a study)",
        description="Start a web server for a home panel: each invite link opens a page that asks for consent, "
        "checks the camera, plays the ad full screen while the browser films the respondent, and uploads the "
        "recording with the ad's playback clock. Accepted recordings are analysed as 'emolab batch' does into "
        "STUDY_DIR/sessions/<invite id>, the study report is rebuilt, and the recording is deleted. "
        "The dashboard shows every invite's status. 'emolab serve invite' adds links.",
    )
    p.add_argument("--study", type=Path, metavar="DIR", help="the study folder (created if missing)")
    p.add_argument("--ad", type=Path, help="the ad's video file (H.264 MP4 or VP8/VP9 WebM, as browsers play)")
    p.add_argument("--demo", action="store_true", help="serve emolab's generated demo ad instead of --ad")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8750, help="port (default 8750; 0 picks a free one)")
    p.add_argument(
        "--invites",
        type=int,
        default=None,
        metavar="N",
        help="new invite links to make now (default: one when the study has no open link)",
    )
    p.add_argument("--expires-days", type=float, default=14.0, metavar="DAYS", help="how long new links work (14)")
    p.add_argument("--engine", default="local", help="local: worker processes here (default); ray: Ray actors")
    p.add_argument(
        "--workers", type=int, default=None, metavar="K", help="recordings analysed at once (default: cores)"
    )
    p.add_argument("--address", default=None, metavar="HOST:PORT", help="with --engine ray: the cluster to join")
    p.add_argument(
        "--keep-videos",
        action="store_true",
        help="keep recordings in STUDY_DIR/recordings after analysis (the consent text then says so)",
    )
    p.add_argument("--cert", type=Path, default=None, metavar="CERT.pem", help="HTTPS certificate (with --key)")
    p.add_argument("--key", type=Path, default=None, metavar="KEY.pem", help="HTTPS private key (with --cert)")
    p.add_argument(
        "--secret",
        default=None,
        help="a secret the dashboard asks for (default: $EMOLAB_SERVE_SECRET; off loopback, a random one, printed; "
        "on loopback, none unless given)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="the public address links start with, e.g. https://panel.example.com behind a reverse proxy",
    )
    p.add_argument("--max-upload-mb", type=float, default=200.0, metavar="MB", help="largest recording (200)")
    p.add_argument(
        "--max-seconds", type=float, default=None, metavar="S", help="longest recording (default: the ad + 300 s)"
    )
    p.add_argument(
        "--retention",
        default="as long as the study runs",
        metavar="TEXT",
        help="how long the numbers are kept, as the consent text says it (default: 'as long as the study runs')",
    )
    add_model_options(p)
    p.set_defaults(func=run)

    inner = p.add_subparsers(dest="serve_command", metavar="invite")
    q = inner.add_parser("invite", help="add invite links to a served study and print them")
    q.add_argument("--study", type=Path, required=True, metavar="DIR", help="the study folder")
    q.add_argument("--count", type=int, required=True, metavar="N", help="how many links")
    q.add_argument("--expires-days", type=float, default=14.0, metavar="DAYS", help="how long they work (14)")
    q.add_argument(
        "--base-url", default=None, metavar="URL", help="what links start with (default: the last server's address)"
    )
    q.set_defaults(func=run_invite)


def run(args: argparse.Namespace) -> int:
    from emolab.errors import ServeError
    from emolab.serve.server import ServeOptions, serve

    if args.study is None:
        raise ServeError("say where the study goes: --study DIR")
    if args.ad is not None and args.demo:
        raise ServeError("give --ad or --demo, not both")
    opts = ServeOptions(
        study=args.study,
        ad=args.ad,
        host=args.host,
        port=args.port,
        invites=args.invites,
        expires_days=args.expires_days,
        engine=args.engine,
        workers=args.workers,
        address=args.address,
        keep_videos=args.keep_videos,
        cert=args.cert,
        key=args.key,
        secret=args.secret,
        base_url=args.base_url,
        max_upload_mb=args.max_upload_mb,
        max_seconds=args.max_seconds,
        retention=args.retention,
        demo=args.demo,
    )
    return serve(opts, settings_from_args(args))


def run_invite(args: argparse.Namespace) -> int:
    from emolab.errors import ServeError
    from emolab.serve.invites import DB_FILE, SERVE_DIR
    from emolab.serve.server import add_invites

    if not (args.study / SERVE_DIR / DB_FILE).is_file():
        raise ServeError(
            f"{args.study} is not a served study yet; start it with emolab serve --study {args.study} --ad AD"
        )
    add_invites(args.study, args.count, args.expires_days, args.base_url)
    return 0
