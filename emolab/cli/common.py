"""Options and helpers several subcommands share."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from emolab.settings import Settings


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--detector", default=None, help="auto, mtcnn, yolo, yunet, or a model file (default: settings)"
    )
    parser.add_argument("--classifier", default=None, help="auto, a model name, or a model file (default: settings)")
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow loading pickled model files (runs code from the file: only for files you trust)",
    )
    parser.add_argument("--models-dir", type=Path, default=None, help="folder with model files and cards")


def add_attentive_only_option(parser: argparse.ArgumentParser) -> None:
    """``--attentive-only/--no-attentive-only`` of the commands that build reports."""
    parser.add_argument(
        "--attentive-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="emotion shares and EEI over frames where the respondent looked at the screen "
        "(default: the attentive_only setting the session was recorded with, normally off)",
    )


def settings_from_args(args: argparse.Namespace, **overrides: object) -> Settings:
    """Settings from the environment, with the command line's explicit choices applied."""
    settings = Settings.load()
    changes: dict[str, object] = {}
    if getattr(args, "detector", None):
        changes["detector"] = args.detector
    if getattr(args, "classifier", None):
        changes["classifier"] = args.classifier
    if getattr(args, "trust_pickle", False):
        changes["trust_pickles"] = True
    if getattr(args, "models_dir", None):
        changes["models_dir"] = args.models_dir
    changes.update({k: v for k, v in overrides.items() if v is not None})
    return settings.replace(**changes) if changes else settings


#: What ``emolab analyze`` and ``emolab demo`` print of a session's summary (one format for both).
SUMMARY_KEYS = ("frames", "face_ratio", "emotion_share", "group_share", "eei", "emonps", "processed_fps")


def print_session(folder: Path, summary: dict[str, Any], report: Path | None = None) -> None:
    """Where the session (and its report) went, the main numbers as JSON, then any warnings."""
    print(f"Session written to {folder}")
    if report is not None:
        print(f"Report written to {report} (open it in a web browser)")
    print(json.dumps({k: summary[k] for k in SUMMARY_KEYS}, indent=2))
    print_warnings(summary)


def print_warnings(summary: dict[str, Any]) -> None:
    """The session's data-quality warnings, one per line on stderr, so no one misses them."""
    for warning in summary.get("warnings") or []:
        print(f"emolab: warning: {warning['text']}", file=sys.stderr)
