#!/usr/bin/env bash
# Set up if needed, then run emolab. Without arguments: the screening window on the bundled
# demo (a generated ad and camera stand-in). Any arguments are passed to `emolab`, e.g.
#   bash scripts/run.sh demo        # offline analysis of the bundled example, no screen needed
set -euo pipefail
cd "$(dirname "$0")/.."

# The window needs a screen. Say so before anything else (Qt would abort later with a
# misleading hint about missing xcb libraries).
wants_window=0
case "${1:-}" in
  "" | gui) wants_window=1 ;;
  -h | --help | --version | -v | --verbose) ;;
  -*) wants_window=1 ;;  # window options without a command open the window
esac
qpa="${QT_QPA_PLATFORM:-xcb}"
if [ "$wants_window" = 1 ] && [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] \
   && [ -z "${WAYLAND_DISPLAY:-}" ] && { [[ "$qpa" == xcb* ]] || [[ "$qpa" == wayland* ]]; }; then
  cat >&2 <<'MSG'
run.sh: there is no screen to open the emolab window on (DISPLAY is not set).
  - Without a screen, analyse the bundled example offline:   bash scripts/run.sh demo
  - Or open the window on a virtual display:                 xvfb-run -a bash scripts/run.sh
    (xvfb-run comes with the Debian package xvfb, which scripts/setup.sh installs)
MSG
  exit 2
fi

bash scripts/setup.sh
. .venv/bin/activate
if [ $# -eq 0 ]; then
  set -- gui --demo
fi
exec emolab "$@"
