#!/bin/sh
# Render POV-Ray's `ambient` animation (Debian's povray-examples) on the farm in chunks of 5
# frames and assemble it with ffmpeg once every frame exists; then follow it.
#   examples/render-ambient.sh [DIR]   (default: ./ambient)
set -e
dir=${1:-ambient}
mkdir -p "$dir"
cd "$dir"
id=$(render-farm submit --name ambient --frames 1-20 --chunk 5 \
  --then 'ffmpeg -y -loglevel error -framerate 10 -i amb%02d.png ambient.mp4' \
  -- povray +I/usr/share/doc/povray/examples/animations/ambient/ambient.pov \
  +W160 +H120 +KFI1 +KFF20 +SF{start} +EF{end} +KC -D +Oamb.png)
echo "farm $id"
render-farm watch "$id"
