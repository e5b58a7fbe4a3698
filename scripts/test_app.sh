#!/usr/bin/env bash
# Check the built app the way a user gets it: unpacked from its archive into a read-only
# folder, run with no Python environment (env -i HOME=... PATH=/usr/bin:/bin) from another
# working directory, as an unprivileged user when this runs as root (root ignores read-only).
#
#   bash scripts/test_app.sh [dist/emolab-<version>-linux-x86_64.tar.gz]
#
# It checks: size (<= 600 MB) and no PyTorch/CUDA inside; every bundled library resolves; the
# bundled models are found (`emolab models`), the PyTorch-only ones are shown as unavailable,
# and the developer commands refuse clearly; `demo` makes its clips from the bundled photo;
# `analyze` + `report` write a session and its report (a ../shared face video when present,
# else the demo clips); `aggregate` builds a study; `batch` runs a worker process; `serve` serves the
# demo ad, takes an upload and analyses it into a session (curl on loopback); a kiosk
# screening (`gui --autostart --stop-after 5`, offscreen) writes a session; install-desktop.sh
# adds and removes the menu entry; and nothing was written into the app's folder.
# Build first: bash scripts/build_app.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
t0=$(date +%s)

tarball="${1:-}"
if [[ -z "$tarball" ]]; then
  tarball=$(ls -t dist/emolab-*-linux-*.tar.gz 2>/dev/null | head -1 || true)
fi
[[ -f "$tarball" ]] || { echo "test_app.sh: no app archive (dist/emolab-*-linux-*.tar.gz); run scripts/build_app.sh" >&2; exit 1; }
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")

work=$(mktemp -d)
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"
mkdir -p "$work/install" "$work/home" "$work/cwd" "$work/out"

fails=0
step() { printf '\n== %s\n' "$*"; step_t=$(date +%s); }
ok() { echo "   ok: $* ($(( $(date +%s) - step_t )) s)"; }
fail() { echo "   FAIL: $*" >&2; fails=$((fails + 1)); }

step "size of $(basename "$tarball")"
size=$(stat -c %s "$tarball")
mb=$((size / 1024 / 1024))
if (( size <= 600 * 1024 * 1024 )); then ok "$mb MB (limit 600 MB)"; else fail "$mb MB is over the 600 MB limit"; fi

step "unpack into a read-only folder"
tar -xzf "$tarball" -C "$work/install"
app=$(echo "$work"/install/emolab-*)
[[ -x "$app/emolab" ]] || { echo "test_app.sh: $app/emolab is missing from the archive" >&2; exit 1; }
chmod -R a-w "$app"
snapshot() { (cd "$app" && find . -printf '%p %s %T@ %m\n' | LC_ALL=C sort); }
before=$(snapshot)
ok "$app ($(du -sh "$app" | cut -f1))"

runner=()
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null; then
  runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)  # nobody: the read-only folder is read-only
  chown -R 65534:65534 "$work/home" "$work/cwd" "$work/out"
fi
# The app as a user starts it: no Python, no virtual environment, another working directory.
app_run() { (cd "$work/cwd" && "${runner[@]}" env -i HOME="$work/home" PATH=/usr/bin:/bin "$@"); }
emolab() { app_run "$app/emolab" "$@"; }

step "no PyTorch, CUDA or Ray inside"
heavy=$(find "$app/_internal" -maxdepth 1 \( -iname 'torch*' -o -iname 'nvidia*' -o -iname 'triton*' -o -iname 'ray' \
  -o -iname 'ultralytics*' -o -iname 'facenet*' -o -iname 'libcud*' \))
if [[ -z "$heavy" ]]; then ok "none"; else fail "found: $heavy"; fi

step "every bundled library resolves"
missing=$(find "$app/_internal" -type f \( -name '*.so' -o -name '*.so.*' \) -print0 \
  | LD_LIBRARY_PATH="$app/_internal" xargs -0 ldd 2>/dev/null | grep "not found" | sort -u || true)
own=$(grep -E 'lib(Qt6|av|sw|pyside|shiboken|onnxruntime|python|icu)' <<<"$missing" || true)
if [[ -z "$own" ]]; then ok "no bundled library lacks a bundled dependency"; else fail "missing: $own"; fi
[[ -z "$missing" ]] || echo "   note: system libraries not on this machine (optional plugins): $(tr -s ' \t\n' ' ' <<<"$missing")"

step "licence, notices and icons for the About dialog and the launcher"
notices="$app/_internal/THIRD_PARTY_NOTICES.txt"
if [[ -s "$app/_internal/LICENSE" && -s "$app/LICENSE" && -s "$app/THIRD_PARTY_NOTICES.txt" && -s "$notices" \
      && -s "$app/_internal/resources/icons/emolab-256.png" && -s "$app/emolab.desktop" && -x "$app/install-desktop.sh" ]] \
   && grep -q "^PySide6_Essentials " "$notices" && grep -q "^onnxruntime " "$notices" && grep -q "^mtcnn (mtcnn_onet.onnx)" "$notices" \
   && grep -q "Qt and FFmpeg" "$notices" && grep -q "astronaut" "$notices"; then
  ok "LICENSE, THIRD_PARTY_NOTICES.txt ($(du -h "$notices" | cut -f1): Qt, ONNX Runtime, the models, the demo photo ...), icons, emolab.desktop"
else
  fail "a licence, notice, icon or launcher file is missing or incomplete"
fi

step "emolab --version"
out=$(emolab --version)
if [[ "$out" == emolab\ * ]]; then ok "$out"; else fail "printed: $out"; fi

step "emolab models: the bundled models are found"
out=$(emolab models 2>&1) || fail "exit code $? ($out)"
grep -q "Models folder: $app/_internal/models" <<<"$out" || fail "models folder is not the bundle's: $out"
grep -Eq '^ \* mtcnn +mtcnn .*installed' <<<"$out" || fail "MTCNN (ONNX) is not the selected detector: $out"
grep -Eq '^ \* emolab-fer-cnn +emolab-cnn .*installed' <<<"$out" || fail "emolab's classifier is not selected: $out"
grep -Eq 'mtcnn-torch .*unavailable -> .*PyTorch.*installed app leaves out' <<<"$out" \
  || fail "mtcnn-torch is not shown as unavailable with its reason: $out"
ok "MTCNN and emolab-fer-cnn selected; mtcnn-torch unavailable (needs PyTorch)"

step "developer commands refuse clearly (exit 2)"
for cmd in "train --data $work" "evaluate --data $work" "export-onnx"; do
  set +e
  out=$(emolab $cmd 2>&1)
  code=$?
  set -e
  if [[ $code == 2 && "$out" == *"developer install"* && "$out" != *Traceback* ]]; then
    echo "   emolab ${cmd%% *}: $out"
  else
    fail "emolab $cmd: exit $code: $out"
  fi
done
ok "train, evaluate, export-onnx"

step "no screen: a clear message, no crash"
set +e
out=$(emolab 2>&1)
code=$?
set -e
if [[ $code == 2 && "$out" == *"no screen"* && "$out" != *scripts/* ]]; then ok "$out"; else fail "exit $code: $out"; fi

step "demo clips from the bundled photograph"
emolab demo --folder "$work/out/demo" --make-only >/dev/null || fail "emolab demo --make-only failed"
if [[ -s "$work/out/demo/demo_ad.mp4" && -s "$work/out/demo/demo_camera.mp4" ]]; then ok "demo_ad.mp4, demo_camera.mp4"; else fail "no demo clips"; fi

shared="$repo/../shared/data/videos"
if [[ -f "$shared/DogDog8.mp4" && -f "$shared/single_face.mp4" ]]; then
  ad="$shared/DogDog8.mp4"; reaction="$shared/single_face.mp4"; expect_happy=1
  echo "   (using ../shared: DogDog8.mp4 as the ad, single_face.mp4 as the reaction)"
else
  ad="$work/out/demo/demo_ad.mp4"; reaction="$work/out/demo/demo_camera.mp4"; expect_happy=0
  echo "   (../shared is absent: using the demo clips)"
fi

session_in() { find "$1" -name session.json -printf '%h\n' | head -1; }

step "emolab analyze"
emolab analyze --ad "$ad" --reaction "$reaction" --respondent R-001 --out "$work/out/sessions" >"$work/analyze.log" 2>&1 \
  || { cat "$work/analyze.log"; fail "emolab analyze failed"; }
session=$(session_in "$work/out/sessions")
if [[ -n "$session" && -s "$session/timeline.csv" && -s "$session/summary.json" ]]; then
  ok "$(basename "$session"): $(($(wc -l <"$session/timeline.csv") - 1)) timeline rows"
else
  fail "no complete session in $work/out/sessions"
fi
grep -q '"status": "complete"' "$session/session.json" || fail "session.json is not complete"
if [[ $expect_happy == 1 ]]; then
  grep -q ',happy,' "$session/timeline.csv" && echo "   the smile in single_face.mp4 reads as happy" \
    || fail "no frame of single_face.mp4 was classified happy"
fi

step "emolab report"
emolab report "$session" >/dev/null || fail "emolab report failed"
if [[ -s "$session/report.html" ]] && grep -q "<svg" "$session/report.html"; then
  ok "report.html ($(du -h "$session/report.html" | cut -f1))"
else
  fail "no report.html with charts"
fi

step "emolab aggregate"
emolab aggregate "$session" --out "$work/out/study" >/dev/null || fail "emolab aggregate failed"
if [[ -s "$work/out/study/study.html" && -s "$work/out/study/study_curves.csv" ]]; then ok "study.html, study_curves.csv"; else fail "no study"; fi

step "emolab batch (a worker process of the frozen app)"
mkdir -p "$work/out/panel"
cp "$reaction" "$work/out/panel/R-002.${reaction##*.}"
chown -R --reference="$work/out" "$work/out/panel"
if emolab batch --ad "$ad" --reactions "$work/out/panel" --out "$work/out/batch" --workers 1 >"$work/batch.log" 2>&1 \
   && [[ -n "$(session_in "$work/out/batch/sessions")" ]]; then
  ok "batch.json and one session"
else
  tail -20 "$work/batch.log"; fail "emolab batch failed"
fi

step "emolab serve (the web server of the frozen app: page, upload, analysis in a worker)"
serve_dir="$work/out/serve"
app_run "$app/emolab" serve --study "$serve_dir" --demo --port 0 --invites 1 --workers 1 >"$work/serve.log" 2>&1 &
for _ in $(seq 240); do grep -q "Press Ctrl-C" "$work/serve.log" && break; sleep 0.5; done
base=$(sed -n 's|^Dashboard: \(http://[^ ]*\)/$|\1|p' "$work/serve.log")
link=$(awk '/^  inv-0001 /{print $2}' "$work/serve.log")
serve_ok=0
if [[ -n "$base" && -n "$link" ]] && [[ "$(curl -s -o /dev/null -w '%{http_code}' "$link")" == 200 ]] \
   && [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/static/respondent.js")" == 200 ]]; then
  # The demo camera clip (8 s) stands in for a browser's recording of the 8 s demo ad.
  code=$(curl -s -o "$work/upload.json" -w '%{http_code}' -F consent=yes -F 'adclock=[[100,0],[7900,7800]]' \
    -F "video=@$work/out/demo/demo_camera.mp4;type=video/mp4" "$link/upload")
  for _ in $(seq 240); do curl -s "$base/api/status" | grep -q '"analysed":1' && break; sleep 0.5; done
  if [[ $code == 201 && -s "$serve_dir/sessions/inv-0001/summary.json" && -z "$(ls -A "$serve_dir/.serve/recordings")" ]]; then
    serve_ok=1
  fi
fi
serve_pid=$(curl -s "$base/api/status" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
[[ -n "$serve_pid" ]] && kill -TERM "$serve_pid" 2>/dev/null
wait || true
if (( serve_ok )) && grep -q "stopping" "$work/serve.log"; then
  ok "respondent page, upload (201), session inv-0001, recording deleted, stopped cleanly"
else
  tail -20 "$work/serve.log"; fail "emolab serve: upload $code, $(cat "$work/upload.json" 2>/dev/null)"
fi

step "kiosk screening: gui --autostart --stop-after 5 (offscreen)"
if app_run QT_QPA_PLATFORM=offscreen "$app/emolab" gui --ad "$ad" --camera "$reaction" --respondent K-001 \
     --autostart --stop-after 5 --sessions-dir "$work/out/kiosk" >"$work/kiosk.log" 2>&1; then
  kiosk=$(session_in "$work/out/kiosk")
  # --stop-after ends the screening as a press on Stop does: status "stopped" (or "complete").
  if [[ -n "$kiosk" ]] && grep -Eq '"status": "(complete|stopped)"' "$kiosk/session.json" && [[ -s "$kiosk/timeline.csv" ]]; then
    ok "$(basename "$kiosk"): $(($(wc -l <"$kiosk/timeline.csv") - 1)) timeline rows"
  else
    fail "the screening wrote no complete session"
  fi
else
  tail -20 "$work/kiosk.log"; fail "emolab gui exited with an error"
fi
[[ -s "$work/home/.config/emolab/emolab.conf" ]] && echo "   window settings: ~/.config/emolab/emolab.conf" \
  || fail "the window's settings were not stored in ~/.config/emolab"

step "desktop integration: install-desktop.sh adds and removes the menu entry"
xdg="$work/home/.local/share"
if app_run "$app/install-desktop.sh" >/dev/null && grep -qx "Exec=\"$app/emolab\"" "$xdg/applications/emolab.desktop" \
   && grep -qx "Icon=emolab" "$xdg/applications/emolab.desktop" && [[ -s "$xdg/icons/hicolor/256x256/apps/emolab.png" ]]; then
  app_run "$app/install-desktop.sh" --uninstall >/dev/null
  if [[ ! -e "$xdg/applications/emolab.desktop" && ! -e "$xdg/icons/hicolor/256x256/apps/emolab.png" ]]; then
    ok "emolab.desktop (Exec=\"$app/emolab\") and icons, then removed"
  else
    fail "--uninstall left files behind"
  fi
else
  fail "install-desktop.sh did not write the menu entry and icon"
fi

step "nothing was written into the app's folder"
if [[ "$(snapshot)" == "$before" ]]; then ok "unchanged"; else fail "changed: $(diff <(echo "$before") <(snapshot) | head -5)"; fi

echo
if (( fails )); then
  echo "test_app.sh: $fails check(s) FAILED ($(( $(date +%s) - t0 )) s)" >&2
  exit 1
fi
echo "test_app.sh: all checks passed in $(( $(date +%s) - t0 )) s"
