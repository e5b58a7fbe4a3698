#!/usr/bin/env bash
# Set up emolab on a Debian machine: system libraries for Qt and QtMultimedia, a virtual
# environment in .venv, and the project with pinned dependencies. Safe to run again. xvfb and
# xauth give the virtual display (xvfb-run, and the real-window tests); util-linux's unshare (in
# every Debian) lets the tests mount a read-only folder and a tiny disk.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libpulse0 libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxrender1 libxi6 xvfb xauth
  chromium chromium-driver  # headless Chromium: emolab serve's browser tests and the reports' rendering checks
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
# Found, not imported: importing torch, Ray and Qt costs seconds on every run.sh/test.sh.
if ! python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))" \
     emolab torch onnxruntime PySide6.QtMultimedia pytestqt hypothesis ray starlette uvicorn multipart selenium >/dev/null 2>&1 \
   || [ pyproject.toml -nt .venv/.emolab-installed ] || [ constraints.txt -nt .venv/.emolab-installed ]; then
  echo "Installing Python packages into .venv (first run takes a few minutes)"
  python -m pip install -q --upgrade pip
  python -m pip install -q -c constraints.txt -e ".[dev,cluster]"
  touch .venv/.emolab-installed
fi
