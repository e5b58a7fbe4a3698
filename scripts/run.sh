#!/usr/bin/env bash
# Set up if needed, then run emolab. Without arguments: the screening window on the bundled
# demo (a generated ad and camera stand-in). Any arguments are passed to `emolab`, e.g.
#   bash scripts/run.sh demo        # offline analysis of the bundled example, no screen needed
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
if [ $# -eq 0 ]; then
  set -- gui --demo
fi
exec emolab "$@"
