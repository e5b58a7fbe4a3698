#!/usr/bin/env bash
# Build the installed app: dist/emolab/ (one folder, executable dist/emolab/emolab) from
# pyinstaller.spec, and pack it as dist/emolab-<version>-linux-x86_64.tar.gz.
#
#   bash scripts/build_app.sh
#
# Uses the project's .venv (made by scripts/setup.sh, which this runs first), or the Python
# environment that is active (VIRTUAL_ENV). Check the result with scripts/test_app.sh.
# Only Linux x86-64 is built and tested; the spec is written to build on Windows and macOS too
# (run `pyinstaller --noconfirm pyinstaller.spec` there), but that is untested.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

if [[ -z "${VIRTUAL_ENV:-}" ]]; then
  bash scripts/setup.sh
  . .venv/bin/activate
fi
# The repository's emolab, whatever an editable install in the environment points at.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python -c "import PyInstaller" 2>/dev/null || { echo "build_app.sh: PyInstaller is missing; run scripts/setup.sh (dev extra)" >&2; exit 1; }

version=$(python -c "import emolab; print(emolab.__version__)")
arch=$(uname -m)
name="emolab-$version-linux-$arch"

# --noconfirm: replace dist/emolab. No --clean: PyInstaller's cache in build/ makes a rebuild faster.
python -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build pyinstaller.spec

app=dist/emolab
test -x "$app/emolab" || { echo "build_app.sh: $app/emolab was not made" >&2; exit 1; }
# Nothing of PyTorch may come along (the spec excludes it; a stray hook could pull it back).
if find "$app/_internal" -maxdepth 1 \( -name 'torch*' -o -name 'nvidia*' -o -name 'triton*' -o -name 'ultralytics*' \) | grep -q .; then
  echo "build_app.sh: PyTorch or CUDA files ended up in the bundle:" >&2
  find "$app/_internal" -maxdepth 1 \( -name 'torch*' -o -name 'nvidia*' -o -name 'triton*' -o -name 'ultralytics*' \) >&2
  exit 1
fi

# The archive unpacks to emolab-<version>/ (so versions can sit side by side).
tarball="dist/$name.tar.gz"
rm -f "$tarball"
tar -C dist --owner=0 --group=0 --numeric-owner \
  --transform "flags=rSH;s,^emolab,emolab-$version," -czf "$tarball" emolab

end=$(date +%s)
echo
echo "Built $app ($(du -sh "$app" | cut -f1)) and $tarball ($(du -h "$tarball" | cut -f1)) in $((end - start)) s"
echo "Largest parts:"
du -sh "$app"/_internal/* | sort -h | tail -10
