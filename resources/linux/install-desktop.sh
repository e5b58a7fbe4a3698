#!/bin/sh
# Add emolab to your desktop's application menu, for your user only (no root needed):
#   ./install-desktop.sh              menu entry and icon, pointing at this folder's emolab
#   ./install-desktop.sh --uninstall  remove them again
# Run it again after moving this folder. The folder itself may stay read-only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
sizes="16 24 32 48 64 128 256 512"
# A user's icon cache is refreshed when there is one; none is made (a stale one hides new icons).
refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" >/dev/null 2>&1 || true
  if [ -f "$icons/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$icons" >/dev/null 2>&1 || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$apps/emolab.desktop"
  for s in $sizes; do rm -f "$icons/${s}x${s}/apps/emolab.png"; done
  refresh
  echo "emolab removed from the application menu (its folder $here is untouched)"
  exit 0
fi

[ -x "$here/emolab" ] || { echo "install-desktop.sh: $here/emolab is missing; run me from the unpacked emolab folder" >&2; exit 1; }
for s in $sizes; do
  mkdir -p "$icons/${s}x${s}/apps"
  cp "$here/_internal/resources/icons/emolab-$s.png" "$icons/${s}x${s}/apps/emolab.png"
done
mkdir -p "$apps"
# The desktop-entry spec quotes paths with spaces in double quotes; sed must not read & | \ in it.
path=$(printf '%s' "$here" | sed 's/[&|\\]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$path/emolab\"|" -e "s|^TryExec=.*|TryExec=$path/emolab|" \
  "$here/emolab.desktop" > "$apps/emolab.desktop"
refresh
echo "emolab added to the application menu: $apps/emolab.desktop -> $here/emolab"
