# Sourced by bench/fleet_bench.sh and bench/fleet_cpu_bench.sh (arguments: [SHROUD_BIN] [FRAMES]):
# the shroud binary, nats-server, a temporary folder removed on exit (the nats-server started
# as $SERVER is killed first), and the frames: the dlib example faces repeated to FRAMES JPEGs
# in $T/in. $BENCH names the calling bench in messages.
BIN=$(realpath "${1:-build/shroud}")
FRAMES=${2:-45}
SRC=${SHROUD_BENCH_FRAMES:-/work/shared/data/faces/dlib_examples_faces}
export SHROUD_MODELS=${SHROUD_MODELS:-/work/shared/models}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$NATS" ] || { echo "$BENCH: nats-server not installed"; exit 77; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

mkdir -p "$T/in"
mapfile -t SRCS < <(ls "$SRC"/*.jpg | sort)
for ((i = 0; i < FRAMES; i++)); do cp "${SRCS[i % ${#SRCS[@]}]}" "$(printf "$T/in/f%04d.jpg" "$i")"; done
