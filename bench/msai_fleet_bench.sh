#!/usr/bin/env bash
# MSAI's three parties on NATS (`shroud msai-fleet`), one machine, loopback: camera frames/s
# (membrane round trip to the data centre, mask, scramble, PNG, publish with the store's ack),
# how long the cloud needs after the camera to hold every frame, and the restore latency of an
# authorised requester (data centre fetches from the cloud, recovers, seals; client opens).
#
#   bench/msai_fleet_bench.sh [SHROUD_BIN] [FRAMES]     (defaults: build/shroud, 45)
#
# Frames: the dlib example faces (9 JPEGs of 332-500 px) repeated to FRAMES files; a fixed
# sensitive area 240x240 at (40,40) (--region, so detection time is not in the figures). The
# server runs tests/fleet/nats.conf with max_payload raised to 8MB (an msai-l payload is 8 bytes
# a sample: 1.4 MB for this area). Every restored frame checked bit-exact against its source.
set -euo pipefail
BIN=$(realpath "${1:-build/shroud}")
FRAMES=${2:-45}
SRC=${SHROUD_BENCH_FRAMES:-/work/shared/data/faces/dlib_examples_faces}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$NATS" ] || { echo "msai_fleet_bench: nats-server not installed"; exit 77; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

mkdir -p "$T/in"
mapfile -t SRCS < <(ls "$SRC"/*.jpg | sort)
for ((i = 0; i < FRAMES; i++)); do cp "${SRCS[i % ${#SRCS[@]}]}" "$(printf "$T/in/f%04d.jpg" "$i")"; done
now() { date +%s.%N; }

sed 's/^max_payload: 1MB/max_payload: 8MB/' "$HERE/tests/fleet/nats.conf" >"$T/nats.conf"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -c "$T/nats.conf" -js -a 127.0.0.1 -p "$PORT" -sd "$T/store" >"$T/server.log" 2>&1 &
PIDS+=($!)
sleep 0.5
"$BIN" -q keygen "$T/cam.keyset" --recipient "$T/cam.pub"
"$BIN" -q keygen "$T/aud.keyset" --recipient "$T/aud.pub"
timeout 600 "$BIN" -q msai-fleet datacenter --nats "$URL" --state "$T/dc" --camera "cam1=$T/cam.pub" \
  --authorize "$T/aud.pub" --idle-exit 60 >"$T/dc.log" 2>&1 &
PIDS+=($!)
timeout 600 "$BIN" -q msai-fleet cloud --nats "$URL" --store "$T/cloud" --idle-exit 60 >"$T/cloud.log" 2>&1 &
PIDS+=($!)

t0=$(now)
timeout 300 "$BIN" -q msai-fleet camera --nats "$URL" --camera cam1 --keyset "$T/cam.keyset" \
  --region 40,40,240,240 "$T/in"
t1=$(now)
for ((k = 0; k < 600; k++)); do
  [ "$(ls "$T/cloud/cam1" 2>/dev/null | wc -l)" -ge "$FRAMES" ] && break
  sleep 0.05
done
t2=$(now)
bytes=$(du -cb "$T"/cloud/cam1/*.msai | tail -1 | cut -f1)
awk -v n="$FRAMES" -v a="$t0" -v b="$t1" -v c="$t2" -v s="$bytes" 'BEGIN {
  printf "camera: %d frames in %.2f s = %.1f frames/s, %.0f KB a frame stored\n", n, b - a, n / (b - a), s / n / 1024
  printf "cloud: every frame stored %.2f s after the camera finished\n", c - b }'

# Restore latency: one request per frame, end to end (CLI process included), bit-exact check.
mkdir -p "$T/out"
t0=$(now)
for ((i = 0; i < FRAMES; i++)); do
  timeout 60 "$BIN" -q msai-fleet restore --nats "$URL" --camera cam1 --frame "$i" --keyset "$T/aud.keyset" \
    -o "$(printf "$T/out/r%04d.png" "$i")"
done
t1=$(now)
awk -v n="$FRAMES" -v a="$t0" -v b="$t1" 'BEGIN { printf "restore: %.0f ms a frame (request, fetch from cloud, recover, seal, open, write PNG; CLI start-up included)\n", (b - a) * 1000 / n }'
/usr/bin/python3 - "$T" "$FRAMES" <<'PY'
import sys, glob, cv2, numpy as np
t, n = sys.argv[1], int(sys.argv[2])
ok = 0
for i in range(n):
    a = cv2.imread(f"{t}/out/r{i:04d}.png", cv2.IMREAD_UNCHANGED)
    b = cv2.imread(f"{t}/in/f{i:04d}.jpg", cv2.IMREAD_UNCHANGED)
    ok += a is not None and a.shape == b.shape and int(np.abs(a.astype(int) - b).max()) == 0
print(f"bit-exact restores: {ok} of {n}")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
