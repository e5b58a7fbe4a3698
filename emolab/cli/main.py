"""Entry point: ``emolab`` opens the window; ``emolab COMMAND`` runs a command."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import select
import sys
from collections.abc import Sequence

from emolab import __version__
from emolab.errors import EmolabError

# Subcommand modules under emolab.cli, in the order ``emolab --help`` lists them.
COMMANDS = (
    "gui",
    "analyze",
    "batch",
    "serve",
    "models",
    "bench",
    "demo",
    "summary",
    "report",
    "aggregate",
    "compare",
    "norms",
    "train",
    "evaluate",
    "export_onnx",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emolab",
        description="Measure viewers' facial emotions against an ad's timeline. "
        "Without a command, opens the screening window.",
    )
    parser.add_argument("--version", action="version", version=f"emolab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"emolab.cli.{name}").register(sub)
    return parser


def with_default_command(argv: Sequence[str]) -> list[str]:
    """``argv`` with ``gui`` put where no command is named: the window is the default command.

    After any ``-v``/``--verbose``, nothing or a window option (``emolab --demo``) means the
    window; ``-h``, ``--help`` and ``--version`` keep their own meaning. scripts/run.sh applies
    the same rule to decide whether to look for a screen.
    """
    argv = list(argv)
    i = 0
    while i < len(argv) and argv[i] in ("-v", "--verbose"):
        i += 1
    if i == len(argv) or argv[i].startswith("-") and argv[i] not in ("-h", "--help", "--version"):
        argv.insert(i, "gui")
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    argv = with_default_command(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not at exit where it cannot be handled
        return code
    except EmolabError as exc:
        print(f"emolab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("emolab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _stdout_reader_gone():
            raise  # a broken pipe elsewhere (a worker process, a socket) is a real error
        # The reader went away (`emolab summary DIR | head -1`): stop quietly, like a tool killed
        # by SIGPIPE, and point stdout at nothing so the interpreter's last flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # SIGPIPE


def _stdout_reader_gone() -> bool:
    """Whether stdout is a pipe that nobody reads any more.

    Flushing again cannot tell: the failed write already dropped what it held. On Linux a pipe
    without a reader polls as an error. Elsewhere (untested) any broken pipe is taken for
    stdout's, as in Python's documentation on SIGPIPE.
    """
    if not sys.platform.startswith("linux"):
        return True
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
    except (OSError, ValueError):  # stdout is no file (replaced, closed)
        return False
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


if __name__ == "__main__":
    sys.exit(main())
