#!/usr/bin/env bash
# Renders icons/ibid.svg to the RGBA PNGs Tauri's Linux bundle and window use:
# 32x32.png, 128x128.png, 128x128@2x.png (256) and icon.png (512).
# The PNGs are kept in the repository, so builds need neither tool.
# Needs rsvg-convert (librsvg2-bin) or ImageMagick.
set -euo pipefail
cd "$(dirname "$0")"

render() { # size output
  local size=$1 out=$2
  if command -v rsvg-convert >/dev/null; then
    rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio ibid.svg -o "$out.tmp.png"
    convert "$out.tmp.png" -define png:color-type=6 "PNG32:$out"
    rm -f "$out.tmp.png"
  else
    convert -background none -density 384 ibid.svg -resize "${size}x${size}" -define png:color-type=6 "PNG32:$out"
  fi
  echo "$out: $(identify -format '%wx%h %[channels]' "$out")"
}

render 32 32x32.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png
