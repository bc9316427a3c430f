#!/usr/bin/env bash
# Fleet overhead as CPU time (user + sys), which does not depend on what else the machine runs:
# the whole fleet path (camera + worker(s) + collector + nats-server) against local
# `shroud protect -j 1` on the same frames, per frame, in the same run.
#
#   bench/fleet_cpu_bench.sh [SHROUD_BIN] [FRAMES]     (defaults: build/shroud, 45)
#
# Frames and engine as bench/fleet_bench.sh: the dlib example faces repeated to FRAMES JPEGs,
# default detector (YuNet + plate cascade), blur, local runs on the pixel path (what workers do).
# Each shroud process runs under a wrapper that reports its getrusage(RUSAGE_CHILDREN) user+sys;
# nats-server's CPU is read from /proc/PID/stat before and after each fleet run. Start-up (model
# loading) counts on both sides: a local run loads the models once, each worker once.
# Last, a seal run: workers seal (-m seal --key), the collector writes a video with its recovery
# track (-o OUT.mkv --key, FFV1), and `shroud recover` checks the track; the collector's CPU per
# frame is printed for the folder and the video output.
set -euo pipefail
BENCH=fleet_cpu_bench
# shellcheck source=bench/fleet_common.sh
source "$(dirname "$0")/fleet_common.sh"
PY=/usr/bin/python3

# cpu FILE CMD...: runs CMD, writes its user+sys CPU seconds (children included) to FILE.
cpu() {
  local out=$1
  shift
  "$PY" -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f\n" % (u.ru_utime + u.ru_stime))
sys.exit(r.returncode)' "$out" "$@"
}
TICK=$(getconf CLK_TCK)
server_cpu() { awk -v t="$TICK" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$SERVER/stat"; }
sum() { cat "$@" | awk '{ s += $1 } END { printf "%.3f", s }'; }
per_frame() { awk -v s="$1" -v n="$FRAMES" 'BEGIN { printf "%.1f", 1000 * s / n }'; }

cpu "$T/local.cpu" timeout 600 "$BIN" -q protect "$T/in" -o "$T/local" -m blur -j 1 --jpeg-path pixel
LOCAL=$(sum "$T/local.cpu")
echo "local shroud protect -j 1: $LOCAL s CPU, $(per_frame "$LOCAL") ms/frame"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -c "$HERE/tests/fleet/nats.conf" -js -a 127.0.0.1 -p "$PORT" -sd "$T/store" >"$T/server.log" 2>&1 &
SERVER=$!
sleep 0.5

# fleet_run CAM WORKERS COLLECT_OUT [WORKER_ARGS / COLLECT_ARGS split by --]
fleet_run() {
  local cam=$1 w=$2 out=$3
  shift 3
  local wargs=() cargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do wargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cargs=("$@")
  rm -f "$T/$cam".*.cpu
  local s0 s1
  s0=$(server_cpu)
  cpu "$T/$cam.camera.cpu" timeout 120 "$BIN" -q camera --nats "$URL" --camera "$cam" "$IN"
  local pids=()
  for ((k = 0; k < w; k++)); do
    cpu "$T/$cam.worker$k.cpu" timeout 600 "$BIN" -q worker --nats "$URL" --idle-exit 2 --camera "$cam" "${wargs[@]}" \
      >"$T/$cam.worker$k.log" 2>&1 &
    pids+=($!)
  done
  cpu "$T/$cam.collect.cpu" timeout 600 "$BIN" -q collect --nats "$URL" --camera "$cam" -o "$out" --frames "$FRAMES" "${cargs[@]}"
  wait "${pids[@]}"
  s1=$(server_cpu)
  awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.3f\n", b - a }' >"$T/$cam.server.cpu"
}

IN=$T/in
for w in 1 2; do
  cam=bench$w
  fleet_run "$cam" "$w" "$T/fleet$w" -m blur
  total=$(sum "$T/$cam".*.cpu)
  echo "fleet, $w worker(s): $total s CPU, $(per_frame "$total") ms/frame (camera $(sum "$T/$cam.camera.cpu"), workers $(sum "$T/$cam".worker*.cpu), collector $(sum "$T/$cam.collect.cpu"), nats-server $(sum "$T/$cam.server.cpu") s); overhead vs local: $(awk -v a="$total" -v b="$LOCAL" 'BEGIN { printf "%+.1f%%", 100 * (a / b - 1) }')"
  same=0
  for ((i = 0; i < FRAMES; i++)); do
    cmp -s "$(printf "$T/fleet$w/frame-%06d.jpg" "$i")" "$(printf "$T/local/f%04d.jpg" "$i")" && same=$((same + 1))
  done
  echo "fleet, $w worker(s): $same of $FRAMES frames byte-equal to local protect"
done

# Seal + video collector (+ recovery track), then recovery of the video by the key holder.
# A video has one frame size: the same photos resized to 480x360.
IN=$T/in360
mkdir -p "$IN"
"$PY" -c 'import cv2, glob, os, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.jpg")):
    cv2.imwrite(os.path.join(sys.argv[2], os.path.basename(f)), cv2.resize(cv2.imread(f), (480, 360)), [cv2.IMWRITE_JPEG_QUALITY, 90])' "$T/in" "$IN"
"$BIN" -q keygen "$T/k.keyset" >/dev/null
fleet_run sealv 1 "$T/sealed.mkv" -m seal --key "$T/k.keyset" -- --key "$T/k.keyset" --codec ffv1
fleet_run sealf 1 "$T/sealed-frames" -m seal --key "$T/k.keyset"
echo "collector, $FRAMES sealed frames: folder $(per_frame "$(sum "$T/sealf.collect.cpu")") ms/frame CPU, video + recovery track (FFV1) $(per_frame "$(sum "$T/sealv.collect.cpu")") ms/frame CPU; track $(stat -c %s "$T/sealed.mkv.shroudv") bytes, video $(stat -c %s "$T/sealed.mkv") bytes"
"$BIN" -q recover "$T/sealed.mkv" -o "$T/recovered.mkv" --key "$T/k.keyset" && echo "shroud recover of the collected video: ok"
