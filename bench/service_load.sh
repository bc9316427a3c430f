#!/usr/bin/env bash
# Load benchmark of `shroud serve` (loopback only, bounded in time): POST /v1/protect of a
# 640x480 JPEG with wrk at concurrency 8, plus the server's RSS before and after.
#
#   bench/service_load.sh [SHROUD_BIN] [SECONDS] [METHOD]      (defaults: build/shroud 30 blur)
#
# Detector: the default (YuNet + plate cascade) when models are found in /work/shared/models or
# $SHROUD_MODELS, else a fixed zone (zones: detector) so the figure is the service's own cost.
set -euo pipefail
BIN=${1:-build/shroud}
SECONDS_RUN=${2:-30}
METHOD=${3:-blur}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 77; }
PY=/usr/bin/python3
TMP=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

"$PY" - "$TMP/in.jpg" <<'PYEOF'
import sys, cv2
img = cv2.imread("/usr/share/doc/opencv-doc/examples/data/messi5.jpg")
cv2.imwrite(sys.argv[1], cv2.resize(img, (640, 480)), [cv2.IMWRITE_JPEG_QUALITY, 90])
PYEOF
echo '{"zones": [{"kind": "face", "rel": [0.25, 0.25, 0.3, 0.4]}]}' > "$TMP/zones.json"
MODELS=${SHROUD_MODELS:-/work/shared/models}
DET=(--detector "zones:$TMP/zones.json")
if [ -f "$MODELS/face_detection_yunet_2023mar.onnx" ]; then DET=(); fi
TOKEN=$("$BIN" serve --data "$TMP/data" --init 2>/dev/null)
"$BIN" --models "$MODELS" serve --data "$TMP/data" --port 0 --port-file "$TMP/port" "${DET[@]}" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
URL="http://127.0.0.1:$PORT/v1/protect?method=$METHOD"
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$TMP/in.jpg" "$URL" || { cat "$TMP/server.log"; exit 1; }
cat > "$TMP/post.lua" <<LUAEOF
local f = io.open("$TMP/in.jpg", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "image/jpeg"
local non200 = 0
response = function(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
LUAEOF
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$PID/status"; }
echo "detector: ${DET[*]:-default (YuNet + plates)}; method $METHOD; server RSS before: $(rss)"
wrk -t2 -c8 -d"${SECONDS_RUN}s" --timeout 30s --latency -s "$TMP/post.lua" "$URL"
echo "server RSS after: $(rss)"
curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics" | grep -E '^shroud_(requests|errors)_total' || true
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# The engine in process on the same image in the same run: `shroud protect` over N copies with
# 8 workers (decode, detect, blur, encode, write; no HTTP, no audit).
N=${INPROCESS_IMAGES:-200}
mkdir -p "$TMP/copies"
for i in $(seq "$N"); do cp "$TMP/in.jpg" "$TMP/copies/$i.jpg"; done
START=$(date +%s.%N)
"$BIN" --models "$MODELS" protect "$TMP/copies" -o "$TMP/out" --method "$METHOD" -j 8 "${DET[@]}" >/dev/null 2>&1
END=$(date +%s.%N)
awk -v n="$N" -v s="$START" -v e="$END" 'BEGIN { printf "in process (shroud protect -j 8, %d images): %.2f images/s\n", n, n / (e - s) }'
