#!/usr/bin/env bash
# Set up if needed, then run every check: lint, the import contract (no Qt in the engine), the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export QT_QPA_PLATFORM=offscreen
ruff check emolab tests benchmarks scripts
lint-imports
python -m pytest "$@"
