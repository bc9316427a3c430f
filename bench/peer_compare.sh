#!/usr/bin/env bash
# Shroud against the Python + OpenCV script a user would write (bench/peer_deface.py: YuNet at
# 640, Gaussian blur, cv2.VideoWriter), on the same inputs in one run, so the ratios hold on a
# shared machine. Prints frames/s (images/s for the folder) of each and the ratio shroud/peer.
#   bench/peer_compare.sh [build/shroud] [VIDEO] [PHOTO_FOLDER]
# Defaults: OpenCV's vtest.avi and a folder of the photos in ../shared/data (faces + openalpr
# plates, copied flat); PHOTO_FOLDER "-" compares the video only. Shroud runs at its defaults (faces and plates, H.264 for video), then with
# the peer's kinds (faces only) and, for video, its codec (MPEG-4 Part 2). Rates are per wall
# second; "cpu" is user + sys seconds of the whole run (steadier than wall time on a shared
# machine; ratio = peer / shroud, > 1 means shroud used less CPU).
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
if [ "$PHOTOS" = "-" ]; then
  :
elif [ -z "$PHOTOS" ]; then
  PHOTOS=$WORK/photos
  mkdir -p "$PHOTOS"
  find "$DATA/faces" "$DATA/plates/openalpr_benchmarks/endtoend" -name '*.jpg' | sort | while read -r f; do
    cp "$f" "$PHOTOS/$(echo "${f#"$DATA"/}" | tr '/' '_')"
  done
fi
nphotos=0
[ "$PHOTOS" = "-" ] || nphotos=$(find "$PHOTOS" -maxdepth 1 -name '*.jpg' | wc -l)

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", n / (b - a) }'; }
# run NAME CMD...: wall seconds and CPU seconds (user + sys) of one command, into $WORK/NAME.
run() {
  local name=$1; shift
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$WORK/$name.cpu" "$@" >/dev/null 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }' >"$WORK/$name.wall"
}
row() {  # row LABEL COUNT PEER SHROUD: rates (per wall second) and the CPU seconds of each side
  local pw sw pc sc
  pw=$(cat "$WORK/$3.wall"); sw=$(cat "$WORK/$4.wall")
  pc=$(awk '{ print $1 + $2 }' "$WORK/$3.cpu"); sc=$(awk '{ print $1 + $2 }' "$WORK/$4.cpu")
  printf "%-44s %9.2f %9.2f %7.2f %9.1f %9.1f %7.2f\n" "$1" "$(awk -v n="$2" -v t="$pw" 'BEGIN{print n/t}')" \
    "$(awk -v n="$2" -v t="$sw" 'BEGIN{print n/t}')" "$(awk -v a="$pw" -v b="$sw" 'BEGIN{print a/b}')" "$pc" "$sc" \
    "$(awk -v a="$pc" -v b="$sc" 'BEGIN{print a/b}')"
}

frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$VIDEO")
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared: compare the ratios)"
PEER=("$PY" "$HERE/peer_deface.py" "$MODELS/face_detection_yunet_2022mar.onnx")

# Interleaved: peer, shroud at defaults (faces + plates, H.264), peer again, shroud with the
# peer's kinds and codec (faces only, MPEG-4 Part 2 = the peer's mp4v). Each shroud run is
# compared with the peer run just before it.
run peer_v1 "${PEER[@]}" "$VIDEO" "$WORK/peer1.mp4"
run shroud_v "$BIN" --quiet protect "$VIDEO" -o "$WORK/shroud.mp4" --force
run peer_v2 "${PEER[@]}" "$VIDEO" "$WORK/peer2.mp4"
run shroud_vf "$BIN" --quiet protect "$VIDEO" -o "$WORK/shroud_f.mp4" --force --kinds face --codec mpeg4
if [ "$PHOTOS" != "-" ]; then
  run peer_p1 "${PEER[@]}" "$PHOTOS" "$WORK/peer_out1"
  run shroud_p "$BIN" --quiet protect "$PHOTOS" -o "$WORK/shroud_out" --force
  run peer_p2 "${PEER[@]}" "$PHOTOS" "$WORK/peer_out2"
  run shroud_pf "$BIN" --quiet protect "$PHOTOS" -o "$WORK/shroud_out_f" --force --kinds face
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-44s %9s %9s %7s %9s %9s %7s\n" input "peer/s" "shroud/s" ratio "peer cpu" "shr. cpu" "cpu r."
row "$(basename "$VIDEO") ($frames fr), defaults" "$frames" peer_v1 shroud_v
row "$(basename "$VIDEO"), --kinds face --codec mpeg4" "$frames" peer_v2 shroud_vf
if [ "$PHOTOS" != "-" ]; then
  row "photos ($nphotos), defaults" "$nphotos" peer_p1 shroud_p
  row "photos, --kinds face" "$nphotos" peer_p2 shroud_pf
fi
