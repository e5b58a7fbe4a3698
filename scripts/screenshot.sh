#!/usr/bin/env bash
# Screenshot of the real screening window during a screening, under a virtual X server.
#
#   scripts/screenshot.sh [OUTPUT.png] [extra `emolab gui` options...]
#
# Default: docs/screenshot.png, the DogDog8 ad with ../shared's single_face.mp4 as the camera
# when ../shared is there, else the bundled demo (`--demo`). Installs nothing; it needs (Debian):
#   xvfb libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
#   libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0
#   libpulse0 libegl1 libgl1 libxkbcommon0
# and the project's virtual environment active (or .venv/ in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshot.png}"
shift || true
if [[ -z "${VIRTUAL_ENV:-}" && -f .venv/bin/activate ]]; then . .venv/bin/activate; fi
command -v Xvfb >/dev/null || { echo "Xvfb is missing: apt-get install xvfb (see the header)" >&2; exit 1; }

shared="../shared/data/videos"
if [[ $# -gt 0 ]]; then
  source_args=("$@")
elif [[ -f "$shared/DogDog8.mp4" && -f "$shared/single_face.mp4" ]]; then
  source_args=(--ad "$shared/DogDog8.mp4" --camera "$shared/single_face.mp4" --respondent R017 --consent)
else
  source_args=(--demo)
fi

work="$(mktemp -d)"
trap 'kill "$xvfb_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
sleep 1
# A fresh settings folder, so remembered window geometry or language do not leak in.
DISPLAY="$display" XDG_CONFIG_HOME="$work/config" QT_QPA_PLATFORM=xcb \
  python -m emolab gui "${source_args[@]}" --lang en --autostart --stop-after 11 \
  --sessions-dir "$work/sessions" --demo-folder "$work/demo" \
  --screenshot "$out" --screenshot-after 8
test -s "$out" && echo "screenshot written to $out"
