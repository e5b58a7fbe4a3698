"""``emolab gui`` (and ``emolab`` alone): the screening-room window.

With ``--autostart`` and ``--stop-after`` it runs a screening unattended (kiosk use, and how
tests drive the real window). ``--demo`` uses a generated ad and camera stand-in, so the app
can be tried without a webcam or any downloaded file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from emolab.cli.common import add_model_options, print_warnings, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the screening window (the default without a command)")
    p.add_argument("--ad", type=Path, help="the ad video to show")
    p.add_argument("--camera", help="camera index (0, 1, …) or a video file standing in for a camera")
    p.add_argument("--respondent", help="respondent id (a pseudonym)")
    p.add_argument(
        "--consent",
        action="store_true",
        help="tick the consent box: the respondent agreed to be filmed and analysed",
    )
    p.add_argument(
        "--calibration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds of resting face recorded before the ad",
    )
    p.add_argument(
        "--autostart",
        action="store_true",
        help="start the screening as soon as the window opens (kiosk use; you confirm the respondent's consent)",
    )
    p.add_argument(
        "--stop-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop this many seconds after the ad starts, save the session and quit",
    )
    p.add_argument("--sessions-dir", type=Path, default=None, help="where sessions are saved")
    p.add_argument(
        "--no-loop",
        action="store_true",
        help="a video standing in for a camera ends the session at its end (default: it loops)",
    )
    p.add_argument(
        "--demo", action="store_true", help="use the bundled demo: a generated ad and camera stand-in (implies consent)"
    )
    p.add_argument(
        "--demo-folder",
        type=Path,
        default=Path.home() / "emolab-demo",
        help="where the demo clips are made (default ~/emolab-demo)",
    )
    p.add_argument("--lang", choices=("en", "ru"), default=None, help="interface language (default: system)")
    p.add_argument("--screenshot", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--screenshot-after", type=float, default=5.0, help=argparse.SUPPRESS)
    # Start-up timing (benchmarks/app_startup.sh): quit as soon as the window is on screen.
    p.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    add_model_options(p)
    p.set_defaults(func=run)


def window_options(args: argparse.Namespace) -> tuple[object, object]:
    """Settings and window options from parsed arguments (tests use this too)."""
    from emolab.gui.main_window import WindowOptions

    # An unattended (--autostart) screening has no one to tick the box: whoever starts it
    # confirms the respondent's consent, and session.json records that it came this way.
    ad, camera, respondent = args.ad, args.camera, args.respondent
    consent = args.consent or args.autostart
    sessions_dir = args.sessions_dir
    if args.demo:
        from emolab.demo import ensure_demo

        demo_ad, demo_camera = ensure_demo(args.demo_folder)
        ad = ad or demo_ad
        camera = camera if camera is not None else str(demo_camera)
        respondent = respondent or "demo"
        consent = True  # the demo "respondent" is a photograph
        sessions_dir = sessions_dir or args.demo_folder / "sessions"
    settings = settings_from_args(args, sessions_dir=sessions_dir)
    options = WindowOptions(
        ad=str(ad) if ad else None,
        camera=str(camera) if camera is not None else None,
        respondent=respondent,
        consent=consent,
        calibration_s=args.calibration,
        autostart=args.autostart,
        stop_after_s=args.stop_after,
        quit_when_done=args.stop_after is not None,
        loop_video=not args.no_loop,
        sessions_dir=str(sessions_dir) if sessions_dir else None,
        detector=args.detector,
        classifier=args.classifier,
    )
    return settings, options


def no_display_message(installed: bool, has_xvfb_run: bool | None = None) -> str:
    """Why the window cannot open here and what to do instead, in the commands this install has.

    ``has_xvfb_run`` (looked up when None) says whether the virtual display can be had now, or
    needs installing first.
    """
    if installed:  # the installed app has no scripts/ folder
        offline = (
            "'emolab demo' analyses the bundled example offline and says where the session went, and "
            "'emolab analyze' analyses recorded reactions"
        )
        virtual = "xvfb-run -a ./emolab"
    else:
        offline = (
            "'bash scripts/run.sh demo' (or 'emolab demo') analyses the bundled example offline and says "
            "where the session went"
        )
        virtual = "xvfb-run -a bash scripts/run.sh"
    if has_xvfb_run is None:
        has_xvfb_run = shutil.which("xvfb-run") is not None
    if has_xvfb_run:
        where = "xvfb-run comes with the xvfb package"
    elif installed:
        where = "xvfb-run is not installed: 'sudo apt-get install xvfb' first"
    else:
        where = "xvfb-run is not installed yet: run 'bash scripts/setup.sh' once first, it installs it"
    return (
        f"there is no screen to open the window on (DISPLAY is not set). Without a screen, {offline}; "
        f"to see the window anyway, start it on a virtual display: '{virtual}' ({where})"
    )


def missing_display(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why no window can open here, or None when one can.

    Qt aborts the process without a display (with a misleading hint about xcb libraries), so
    look first: on Linux a window needs X11 (``DISPLAY``) or Wayland (``WAYLAND_DISPLAY``),
    unless ``QT_QPA_PLATFORM`` picks a platform that needs neither (offscreen, vnc, eglfs...).
    """
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    from emolab.runtime import is_frozen

    return no_display_message(installed=is_frozen())


def run(args: argparse.Namespace) -> int:
    from emolab.errors import DisplayError

    problem = missing_display()
    if problem:
        raise DisplayError(problem)
    from emolab.gui.app import launch  # Qt is imported only for this command

    settings, options = window_options(args)
    return launch(
        settings,
        options,
        lang=args.lang,
        screenshot=args.screenshot,
        screenshot_after_s=args.screenshot_after,
        quit_when_ready=args.quit_when_ready,
        on_screening_finished=announce_session,
    )


def announce_session(outcome: object) -> None:
    """Say on the terminal where a screening's session went, as ``emolab analyze`` does."""
    folder = getattr(outcome, "folder", None)
    if folder is None or sys.stdout is None:  # not saved (the window says why), or no console
        return
    ended = f" (it ended early: {outcome.reason})" if outcome.status == "failed" else ""
    print(f"Session written to {folder}{ended}", flush=True)
    if outcome.summary is None:
        print(
            f"emolab: warning: its summary could not be written; run 'emolab summary --rebuild {folder}'",
            file=sys.stderr,
        )
    else:
        print_warnings(outcome.summary)
