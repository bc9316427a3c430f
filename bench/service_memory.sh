#!/usr/bin/env bash
# Memory of `shroud serve` over many requests (loopback only, bounded): N requests (default
# 10,000) from 4 keep-alive clients cycling through protect (blur, JPEG), protect (seal, PNG:
# stored + audited), recover, detect, item fetch, health and two bad requests; the server's
# RSS is sampled every 1,000 requests. Flat means: no growth from the 2,000th request on
# beyond allocator noise.
#
#   bench/service_memory.sh [SHROUD_BIN] [REQUESTS] [STORE]
#     STORE: empty (SQLite in DATA) or a postgresql:// URI of an empty database.
# Prints one line per sample: requests, RSS kB; then the growth from request 2,000 to the end.
set -euo pipefail
BIN=${1:-build/shroud}
N=${2:-10000}
STORE=${3:-}
PY=/usr/bin/python3
TMP=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
echo '{"zones": [{"kind": "face", "rel": [0.25, 0.25, 0.3, 0.4]}]}' > "$TMP/zones.json"
INIT=(serve --data "$TMP/data" --init)
[ -n "$STORE" ] && INIT+=(--store "$STORE")
TOKEN=$("$BIN" "${INIT[@]}" 2>/dev/null)
"$BIN" serve --data "$TMP/data" --port 0 --port-file "$TMP/port" --detector "zones:$TMP/zones.json" --threads 4 >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
timeout 900 "$PY" - "$PORT" "$TOKEN" "$N" "$PID" <<'PYEOF'
import http.client, sys, threading, cv2, numpy as np
port, token, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(1)
img = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
jpeg = cv2.imencode(".jpg", img)[1].tobytes()
png = cv2.imencode(".png", img[:120, :160])[1].tobytes()
auth = {"Authorization": "Bearer " + token}
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
lock = threading.Lock()
done = [0]
samples = [(0, rss())]
errors = {}
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sealed, item = None, None
    i = 0
    while True:
        with lock:
            if done[0] >= n: return
            done[0] += 1
            count = done[0]
        step = (i + k) % 8
        i += 1
        if step == 0: req = ("POST", "/v1/protect?method=blur&format=jpeg", jpeg, auth, 200)
        elif step == 1: req = ("POST", "/v1/protect?method=seal", png, auth, 200)
        # Before this client's first seal: an unsealed image (404 before the tenant has keys, else 422).
        elif step == 2: req = ("POST", "/v1/recover", sealed or png, auth, 200 if sealed else (404, 422))
        elif step == 3: req = ("POST", "/v1/detect", jpeg, auth, 200)
        elif step == 4: req = ("GET", "/v1/items/" + item if item else "/v1/health", None, auth, 200)
        elif step == 5: req = ("GET", "/v1/health", None, {}, 200)
        elif step == 6: req = ("POST", "/v1/tokens", b'{"tenant": ', auth, 400)
        else: req = ("POST", "/v1/protect", jpeg[: len(jpeg) // 2], {"Authorization": "Bearer nope"}, 401)
        method, path, body, headers, want = req
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        if step == 1 and r.status == 200:
            sealed, item = data, r.getheader("X-Shroud-Item")
        if r.status != want and not (isinstance(want, tuple) and r.status in want):
            with lock: errors[(path.split("?")[0], r.status)] = errors.get((path.split("?")[0], r.status), 0) + 1
        if r.getheader("Connection") == "close":
            c.close(); c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if count % 1000 == 0:
            with lock: samples.append((count, rss()))
threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
samples.sort()
for count, kb in samples: print(f"{count:6d} requests  RSS {kb} kB")
base = dict(samples).get(2000, samples[min(2, len(samples) - 1)][1])
print(f"RSS growth from request 2000 to {samples[-1][0]}: {samples[-1][1] - base:+d} kB ({(samples[-1][1] - base) / base * 100:+.1f}%)")
print("unexpected statuses:", errors if errors else "none")
PYEOF
echo "store: ${STORE:-sqlite}; blobs stored: $(find "$TMP/data/blobs" -type f | wc -l)"
