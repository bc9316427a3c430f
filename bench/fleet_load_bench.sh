#!/usr/bin/env bash
# 50 simulated cameras at 2 fps each on 2 `shroud worker` processes, one machine, loopback:
# per-camera latency (camera publish -> protected frame at that camera's collector, from the
# Shroud-Sent header), p50/p99 per camera, the worst camera, frames delivered per camera (a
# starved camera would fall short or lag), and the offered vs achieved rate. For comparison,
# local `shroud protect -j 2` on the same frames in the same run (the engine without the fleet).
#
#   bench/fleet_load_bench.sh [SHROUD_BIN] [CAMERAS] [FRAMES_PER_CAMERA] [FPS]
#                                               (defaults: build/shroud, 50, 20, 2)
#
# Frames: the nine dlib photos resized to 320x240 JPEG; engine: a fixed manual region + pixelate
# (cheap and deterministic, so the figures show the fleet, not face detection). Bounded: every
# process runs under `timeout`; the whole run takes about FRAMES/FPS + 30 s.
set -euo pipefail
BIN=$(realpath "${1:-build/shroud}")
CAMS=${2:-50}
FRAMES=${3:-20}
FPS=${4:-2}
SRC=${SHROUD_BENCH_FRAMES:-/work/shared/data/faces/dlib_examples_faces}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$NATS" ] || { echo "fleet_load_bench: nats-server not installed"; exit 77; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

/usr/bin/python3 - "$SRC" "$T/in" "$FRAMES" <<'PY'
import sys, glob, os, cv2
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
files = sorted(glob.glob(src + "/*.jpg"))
for i in range(n):
    img = cv2.resize(cv2.imread(files[i % len(files)]), (320, 240))
    cv2.imwrite(f"{out}/f{i:04d}.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
PY
echo '{"regions": [{"kind": "face", "box": [100, 60, 120, 120]}]}' >"$T/regions.json"
ENGINE=(-d "manual:$T/regions.json" -m pixelate)
now() { date +%s.%N; }

# The engine alone on the same frames (repeated to CAMS*FRAMES files would take long: 200 files).
mkdir -p "$T/local_in"
for ((i = 0; i < 200; i++)); do cp "$T/in/f$(printf %04d $((i % FRAMES))).jpg" "$T/local_in/l$(printf %04d $i).jpg"; done
t0=$(now); timeout 300 "$BIN" -q protect "$T/local_in" -o "$T/local_out" "${ENGINE[@]}" -j 2 --jpeg-path pixel; t1=$(now)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "local shroud protect -j 2 (200 frames, same engine): %.1f frames/s\n", 200 / (b - a) }'

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -c "$HERE/tests/fleet/nats.conf" -js -a 127.0.0.1 -p "$PORT" -sd "$T/store" >"$T/server.log" 2>&1 &
PIDS+=($!)
sleep 0.5
DUR=$(awk -v f="$FRAMES" -v r="$FPS" 'BEGIN { printf "%d", f / r + 60 }')
for w in 0 1; do
  timeout "$DUR" "$BIN" -q worker --nats "$URL" "${ENGINE[@]}" --batch 4 --idle-exit 15 >"$T/worker$w.log" 2>&1 &
  PIDS+=($!)
done
COLS=()
for ((c = 0; c < CAMS; c++)); do
  timeout "$DUR" "$BIN" -q collect --nats "$URL" --camera "cam$c" -o "$T/out$c" --frames "$FRAMES" --json \
    >"$T/col$c.json" 2>"$T/col$c.log" &
  COLS+=($!)
done
sleep 2   # collectors subscribed
t0=$(now)
CAMP=()
for ((c = 0; c < CAMS; c++)); do
  timeout "$DUR" "$BIN" -q camera --nats "$URL" --camera "cam$c" --fps "$FPS" "$T/in" >"$T/cam$c.log" 2>&1 &
  CAMP+=($!)
done
fail=0
for p in "${CAMP[@]}"; do wait "$p" || fail=$((fail + 1)); done
t1=$(now)
for p in "${COLS[@]}"; do wait "$p" || fail=$((fail + 1)); done
t2=$(now)
echo "cameras or collectors failing: $fail"
/usr/bin/python3 - "$T" "$CAMS" "$FRAMES" "$FPS" "$t0" "$t1" "$t2" <<'PY'
import sys, json, statistics
t, cams, frames, fps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
t0, t1, t2 = map(float, sys.argv[5:8])
p50s, p99s, maxes, got = [], [], [], []
for c in range(cams):
    try:
        j = json.loads(open(f"{t}/col{c}.json").read().strip().splitlines()[-1])
    except Exception:
        got.append(0); continue
    got.append(j["written"])
    l = j.get("latency_ms")
    if l:
        p50s.append(l["p50"]); p99s.append(l["p99"]); maxes.append(l["max"])
total = sum(got)
print(f"{cams} cameras x {frames} frames at {fps:g} fps (offered {cams * fps:g} frames/s): {total} of {cams * frames} frames delivered")
print(f"frames per camera: min {min(got)}, max {max(got)} (a starved camera would show fewer)")
if p99s:
    print(f"per-camera latency p50: median {statistics.median(p50s):.0f} ms, worst {max(p50s):.0f} ms")
    print(f"per-camera latency p99: median {statistics.median(p99s):.0f} ms, worst camera {max(p99s):.0f} ms; max of all {max(maxes):.0f} ms")
print(f"capture {t1 - t0:.1f} s (cameras paced), last frame collected {t2 - t1:.1f} s after the last camera finished; "
      f"achieved {total / (t2 - t0):.1f} frames/s over the run")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
