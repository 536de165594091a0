#!/usr/bin/env bash
# Takes docs/screenshot.png: the desktop window on a copy of the sample
# library, under Xvfb (1440x900). Builds ibid-desktop and ibid if needed.
#
#   scripts/screenshot.sh [OUTPUT.png]
#
# Needs: xvfb (xvfb-run), xauth, imagemagick, and what the desktop build
# needs (libwebkit2gtk-4.1-dev…). Builds into $CARGO_TARGET_DIR, by default
# target/desktop.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$(realpath -m "${1:-docs/screenshot.png}")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/desktop}"

for tool in xvfb-run import convert compare; do
  command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool not found (apt-get install xvfb xauth imagemagick)" >&2; exit 1; }
done

echo "screenshot.sh: building (cargo is quick when nothing changed)…" >&2
# Two invocations: built together, the two would unify their dependencies'
# features and rebuild what `cargo build -p ibid-desktop` alone has built.
cargo build -q -p ibid-desktop
cargo build -q -p ibid-cli

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
lib="$work/library.sqlite"
"$CARGO_TARGET_DIR/debug/ibid" --library "$lib" import tests/fixtures/sample-library.csl.json >/dev/null

mkdir -p "$(dirname "$out")"
export APP="$CARGO_TARGET_DIR/debug/ibid-desktop" LIB="$lib" OUT="$out" WORK="$work"

# Inside the X server: start the app, wait until two captures a second apart
# are the same and not blank (the window has drawn and the list has loaded),
# take the screenshot (cropped to the window), stop the app.
xvfb-run -a -s "-screen 0 1440x900x24" bash -c '
  set -u
  "$APP" --library "$LIB" >"$WORK/app.log" 2>&1 &
  app=$!
  stop() { kill "$app" 2>/dev/null; wait "$app" 2>/dev/null; }
  trap stop EXIT
  prev=""
  for i in $(seq 1 120); do
    sleep 1
    kill -0 "$app" 2>/dev/null || { echo "screenshot.sh: the app exited:" >&2; cat "$WORK/app.log" >&2; exit 1; }
    shot="$WORK/shot-$i.png"
    import -window root "$shot"
    colors=$(identify -format "%k" "$shot")
    if [ -n "$prev" ] && [ "$colors" -gt 64 ] \
       && [ "$(compare -metric AE "$prev" "$shot" null: 2>&1 || true)" = "0" ]; then
      sleep 1
      import -window root "$WORK/final.png"
      # Without a window manager the window sits on a black root: crop to it.
      convert "$WORK/final.png" -bordercolor black -border 1 -trim +repage "PNG24:$OUT"
      echo "screenshot.sh: wrote $OUT ($(identify -format "%wx%h" "$OUT"))" >&2
      exit 0
    fi
    prev="$shot"
  done
  echo "screenshot.sh: the window did not render within 120 s" >&2
  cat "$WORK/app.log" >&2
  exit 1
'
