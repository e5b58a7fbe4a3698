"""``emolab models``: what is installed, what is selected and why, what is missing."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from emolab.cli.common import add_model_options, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list installed, selected and missing models")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_model_options(p)
    p.set_defaults(func=run)


def _spec_origin(args: argparse.Namespace, task: str, spec: str) -> str:
    """Where a detector or classifier choice came from, as the user would write it."""
    if getattr(args, task, None):
        return f"--{task} {spec}"
    var = f"EMOLAB_{task.upper()}"
    if var in os.environ:
        return f"{var}={os.environ[var]}"
    return f"the setting {task}={spec}"


def run(args: argparse.Namespace) -> int:
    from emolab.inventory import model_inventory, selection_errors

    settings = settings_from_args(args)
    inv = model_inventory(settings)
    errors = selection_errors(inv)
    if args.json:
        print(json.dumps(inv, indent=2))
    else:
        print(f"Models folder: {inv['models_dir']}")
        for key in ("detector", "classifier"):
            print(f"\n{key.capitalize()}s:")
            for m in inv[key + "s"]:
                mark = "*" if m["selected"] else " "
                if not m["installed"]:
                    state = f"missing  -> {m['to_install']}"
                elif m["unavailable"]:
                    state = f"unavailable -> {m['unavailable']}"
                else:
                    state = "installed"
                print(f" {mark} {m['name']:<22} {m['backend']:<11} prio {m['priority']:>3}  {state}")
            sel = inv["selected"][key]
            if sel["name"] is None:
                print("   selected: none (see the error below)")
            else:
                print(f"   selected: {sel['name']} — {sel['reason']}")
        for path in inv["uncarded"]:
            print(
                f"\n! {path} has no model card, so it is not used: write {Path(path).stem}.json beside it "
                "(see models/README.md)"
            )
        print("\n(* = selected; choose another with --detector/--classifier or EMOLAB_DETECTOR/EMOLAB_CLASSIFIER)")
    for task, error in errors.items():
        origin = _spec_origin(args, task, inv["selected"][task]["spec"])
        print(f"emolab: error: {origin}: {error}", file=sys.stderr)
    return 2 if errors else 0
