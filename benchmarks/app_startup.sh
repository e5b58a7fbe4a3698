#!/usr/bin/env bash
# Start-up time of the installed app: from launching dist/emolab/emolab to its window being
# on screen (mapped and its event loop running), under a virtual X server.
#
#   bash benchmarks/app_startup.sh [APP_DIR] [RUNS]        (default dist/emolab, 5 runs)
#
# The first run is cold (files not yet in the page cache); the others are warm, which is what
# the "<= 5 s warm" goal is about. Each run uses a fresh settings folder and quits itself as
# soon as the window is exposed (the hidden `gui --quit-when-ready`); the figure includes the
# quit, a few tens of milliseconds. Needs Xvfb (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
app="${1:-dist/emolab}"
runs="${2:-5}"
[[ -x "$app/emolab" ]] || { echo "app_startup.sh: $app/emolab is missing; run scripts/build_app.sh" >&2; exit 1; }
command -v Xvfb >/dev/null || { echo "app_startup.sh: Xvfb is missing (apt-get install xvfb)" >&2; exit 1; }
app=$(cd "$app" && pwd)

work=$(mktemp -d)
display=":$((70 + RANDOM % 19))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1

times=()
for i in $(seq 1 "$runs"); do
  home="$work/home-$i"
  mkdir -p "$home"
  start=$(date +%s.%N)
  (cd "$work" && env -i HOME="$home" PATH=/usr/bin:/bin DISPLAY="$display" LANG=C.UTF-8 \
    "$app/emolab" gui --quit-when-ready --sessions-dir "$work/sessions" >"$work/run-$i.log" 2>&1) \
    || { cat "$work/run-$i.log" >&2; echo "app_startup.sh: run $i failed" >&2; exit 1; }
  end=$(date +%s.%N)
  t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  times+=("$t")
  echo "run $i$([[ $i == 1 ]] && echo ' (cold)'): $t s to the window"
done
if (( runs > 1 )); then
  warm=$(printf '%s\n' "${times[@]:1}" | sort -n)
  median=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<<"$warm")
  echo "warm: median $median s, best $(head -1 <<<"$warm") s, worst $(tail -1 <<<"$warm") s (goal: <= 5 s)"
fi
