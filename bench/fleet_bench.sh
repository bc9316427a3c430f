#!/usr/bin/env bash
# Fleet throughput on one machine (loopback): frames/s of 1 and 2 `shroud worker` processes
# against local `shroud protect -j 1` / `-j 2` on the same frames, in the same run.
#
#   bench/fleet_bench.sh [SHROUD_BIN] [FRAMES]     (defaults: build/shroud, 45)
#
# Frames: the dlib example faces (/work/shared/data/faces/dlib_examples_faces, 9 JPEGs of
# 300-500 px) repeated to FRAMES files. Engine: default detector (YuNet + plate cascade,
# models from $SHROUD_MODELS or /work/shared/models), method blur. Fleet time runs from starting
# the workers (frames already queued) until the collector holds every frame, so it includes
# worker start-up (model load) exactly as `shroud protect` does. Every step is under `timeout`.
# Local runs take the pixel path (--jpeg-path pixel) because Engine::protect_encoded, which the
# workers call, always decodes and re-encodes JPEG: same work, and byte-equal outputs (checked).
set -euo pipefail
BENCH=fleet_bench
# shellcheck source=bench/fleet_common.sh
source "$(dirname "$0")/fleet_common.sh"

now() { date +%s.%N; }
rate() { awk -v n="$FRAMES" -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", n / (b - a) }'; }

for j in 1 2; do
  rm -rf "$T/local$j"
  t0=$(now); timeout 300 "$BIN" -q protect "$T/in" -o "$T/local$j" -m blur -j "$j" --jpeg-path pixel; t1=$(now)
  echo "local shroud protect -j $j: $(rate "$t0" "$t1") frames/s"
done

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -c "$HERE/tests/fleet/nats.conf" -js -a 127.0.0.1 -p "$PORT" -sd "$T/store" >"$T/server.log" 2>&1 &
SERVER=$!
sleep 0.5

for w in 1 2; do
  cam=bench$w
  t0=$(now); timeout 120 "$BIN" -q camera --nats "$URL" --camera "$cam" "$T/in"; t1=$(now)
  echo "camera publish ($cam): $(rate "$t0" "$t1") frames/s"
  t0=$(now)
  pids=()
  for ((k = 0; k < w; k++)); do
    timeout 300 "$BIN" -q worker --nats "$URL" -m blur --idle-exit 2 --camera "$cam" >"$T/worker$w-$k.log" 2>&1 &
    pids+=($!)
  done
  timeout 300 "$BIN" -q collect --nats "$URL" --camera "$cam" -o "$T/fleet$w" --frames "$FRAMES"
  t1=$(now)
  echo "fleet, $w worker(s): $(rate "$t0" "$t1") frames/s"
  # The same bytes as the local run (same engine options, same input bytes).
  same=0
  for ((i = 0; i < FRAMES; i++)); do
    cmp -s "$(printf "$T/fleet$w/frame-%06d.jpg" "$i")" "$(printf "$T/local1/f%04d.jpg" "$i")" && same=$((same + 1))
  done
  echo "fleet, $w worker(s): $same of $FRAMES frames byte-equal to local protect"
  wait "${pids[@]}" || true
done
