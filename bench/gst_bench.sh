#!/usr/bin/env bash
# The GStreamer element against `shroud protect` on vtest.avi (768x576, 795 frames), same run,
# same detector and schedule: detection every N frames, tracking with --hold 15 between, blur,
# mask scale 1.3, H.264 by x264 preset veryfast CRF 20 in MP4. shroud protect runs with
# --extend-back 0 because the element has no backward extension (docs/gstreamer.md).
# Rounds alternate the two so load on a shared machine hits both alike; the median is printed.
# Usage: bench/gst_bench.sh [BUILD_DIR] [DETECTOR] [DETECT_EVERY] [ROUNDS]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
DET=${2:-yunet}
N=${3:-2}
ROUNDS=${4:-3}
VTEST=/usr/share/doc/opencv-doc/examples/data/vtest.avi
export GST_PLUGIN_PATH=$BUILD/gst
export SHROUD_MODELS=${SHROUD_MODELS:-/work/shared/models}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GST_REGISTRY=$WORK/registry.bin
FRAMES=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$VTEST")

now() { date +%s.%N; }
run_cli() {
  "$BUILD/shroud" protect "$VTEST" -o "$WORK/cli.mp4" --force --detector "$DET" --detect-every "$N" --hold 15 \
    --extend-back 0 --codec h264 --crf 20 --preset veryfast >/dev/null 2>&1
}
run_gst() {
  gst-launch-1.0 -q filesrc location="$VTEST" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! queue \
    ! shroudredact detector="$DET" detect-interval="$N" hold=15 ! queue ! videoconvert \
    ! x264enc speed-preset=veryfast pass=qual quantizer=20 ! mp4mux ! filesink location="$WORK/gst.mp4" >/dev/null
}
gst-inspect-1.0 shroudredact >/dev/null   # registry scan outside the timings
cli=() gst=()
for r in $(seq "$ROUNDS"); do
  t0=$(now); run_cli; t1=$(now); run_gst; t2=$(now)
  cli+=("$(echo "$FRAMES / ($t1 - $t0)" | bc -l)")
  gst+=("$(echo "$FRAMES / ($t2 - $t1)" | bc -l)")
  printf "round %d: shroud protect %.1f fps, gst-launch %.1f fps\n" "$r" "${cli[-1]}" "${gst[-1]}"
done
for f in cli gst; do
  [ "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/$f.mp4")" = "$FRAMES" ] \
    || { echo "$f.mp4 does not have $FRAMES frames"; exit 1; }
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(median "${cli[@]}"); mg=$(median "${gst[@]}")
printf "vtest.avi %d frames, detector %s, detect every %s: shroud protect %.1f fps, gst-launch %.1f fps (median of %d), gst/cli = %.2f\n" \
  "$FRAMES" "$DET" "$N" "$mc" "$mg" "$ROUNDS" "$(echo "$mg / $mc" | bc -l)"
