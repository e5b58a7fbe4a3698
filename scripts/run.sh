#!/usr/bin/env bash
# Set up if needed, then run emolab. Without arguments: the screening window on the bundled
# demo (a generated ad and camera stand-in). Any arguments are passed to `emolab`, e.g.
#   bash scripts/run.sh demo        # offline analysis of the bundled example, no screen needed
set -euo pipefail
cd "$(dirname "$0")/.."

# The window needs a screen. Say so before minutes of set-up (Qt would abort later with a
# misleading hint about missing xcb libraries). Whether a window opens follows emolab's own
# rule (with_default_command in emolab/cli/main.py): after any -v, nothing, `gui` or a window
# option opens it; a command does not, nor does asking for help or the version.
wants_window=1
first=""
for arg in "$@"; do
  case "$arg" in
    -h | --help | --version) wants_window=0 ;;
    -v | --verbose) ;;
    *) [ -n "$first" ] || first=$arg ;;
  esac
done
case "$first" in
  "" | gui | -*) ;;
  *) wants_window=0 ;;
esac
qpa="${QT_QPA_PLATFORM:-xcb}"
if [ "$wants_window" = 1 ] && [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] \
   && [ -z "${WAYLAND_DISPLAY:-}" ] && { [[ "$qpa" == xcb* ]] || [[ "$qpa" == wayland* ]]; }; then
  cat >&2 <<'MSG'
run.sh: there is no screen to open the emolab window on (DISPLAY is not set).
  - Without a screen, analyse the bundled example offline:   bash scripts/run.sh demo
  - Or open the window on a virtual display:                 xvfb-run -a bash scripts/run.sh
MSG
  if command -v xvfb-run >/dev/null 2>&1; then
    echo "    (xvfb-run comes with the Debian package xvfb, which scripts/setup.sh installs)" >&2
  else
    cat >&2 <<'MSG'
    xvfb-run is not installed yet: run the set-up once first,  bash scripts/setup.sh
    (it installs the Debian package xvfb, which has xvfb-run), then the command above.
MSG
  fi
  exit 2
fi

bash scripts/setup.sh
. .venv/bin/activate
if [ $# -eq 0 ]; then
  set -- gui --demo
fi
exec emolab "$@"
