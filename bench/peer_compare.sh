#!/usr/bin/env bash
# Shroud against the Python + OpenCV script a user would write (bench/peer_deface.py: YuNet at
# 640, Gaussian blur, cv2.VideoWriter), on the same inputs in one run, so the ratios hold on a
# shared machine. Prints frames/s (images/s for the folder) of each and the ratio shroud/peer.
#   bench/peer_compare.sh [build/shroud] [VIDEO] [PHOTO_FOLDER]
# Defaults: OpenCV's vtest.avi and a folder of the photos in ../shared/data (faces + openalpr
# plates, copied flat). Shroud runs at its defaults (faces and plates), the peer faces only.
set -euo pipefail
BIN=${1:-build/shroud}
VIDEO=${2:-/usr/share/doc/opencv-doc/examples/data/vtest.avi}
PHOTOS=${3:-}
DATA=${SHROUD_DATA:-../shared/data}
MODELS=${SHROUD_MODELS:-../shared/models}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "$PHOTOS" ]; then
  PHOTOS=$WORK/photos
  mkdir -p "$PHOTOS"
  find "$DATA/faces" "$DATA/plates/openalpr_benchmarks/endtoend" -name '*.jpg' | sort | while read -r f; do
    cp "$f" "$PHOTOS/$(echo "${f#"$DATA"/}" | tr '/' '_')"
  done
fi
nphotos=$(find "$PHOTOS" -maxdepth 1 -name '*.jpg' | wc -l)

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", n / (b - a) }'; }

frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$VIDEO")
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared: compare the ratios)"

t0=$(now); "$PY" "$HERE/peer_deface.py" "$MODELS/face_detection_yunet_2022mar.onnx" "$VIDEO" "$WORK/peer.mp4" >/dev/null; t1=$(now)
"$BIN" --quiet protect "$VIDEO" -o "$WORK/shroud.mp4" --force --stats; t2=$(now)
peer_v=$(rate "$frames" "$t0" "$t1"); shroud_v=$(rate "$frames" "$t1" "$t2")

t0=$(now); "$PY" "$HERE/peer_deface.py" "$MODELS/face_detection_yunet_2022mar.onnx" "$PHOTOS" "$WORK/peer_out" >/dev/null; t1=$(now)
"$BIN" --quiet protect "$PHOTOS" -o "$WORK/shroud_out" --force; t2=$(now)
peer_p=$(rate "$nphotos" "$t0" "$t1"); shroud_p=$(rate "$nphotos" "$t1" "$t2")

printf "%-28s %10s %10s %8s\n" input peer shroud ratio
printf "%-28s %10s %10s %8s\n" "$(basename "$VIDEO") ($frames frames)" "$peer_v" "$shroud_v" "$(awk -v a="$shroud_v" -v b="$peer_v" 'BEGIN{printf "%.2f", a/b}')"
printf "%-28s %10s %10s %8s\n" "photos ($nphotos images)" "$peer_p" "$shroud_p" "$(awk -v a="$shroud_p" -v b="$peer_p" 'BEGIN{printf "%.2f", a/b}')"
