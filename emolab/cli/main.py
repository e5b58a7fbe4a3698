"""Entry point: ``emolab`` opens the window; ``emolab COMMAND`` runs a command."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from emolab import __version__
from emolab.errors import EmolabError

# Subcommand modules under emolab.cli, in the order ``emolab --help`` lists them.
COMMANDS = (
    "gui",
    "analyze",
    "batch",
    "models",
    "bench",
    "demo",
    "summary",
    "report",
    "aggregate",
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version", "-v", "--verbose"):
        argv = ["gui", *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui"])
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
        # The reader went away (`emolab summary DIR | head -1`): stop quietly, like a tool killed
        # by SIGPIPE, and point stdout at nothing so the interpreter's last flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
