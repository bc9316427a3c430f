#!/usr/bin/env bash
# The GStreamer element shroudredact as users run it (gst-launch-1.0 pipelines), registered with
# ctest as gst.pipelines. Usage: run.sh BUILD_DIR SOURCE_DIR. Exit 77 (skip) when gst-launch-1.0,
# gst-inspect-1.0, ffprobe, /usr/bin/python3 with numpy or the plugin are absent.
#  1. gst-inspect-1.0 documents every property.
#  2. Bad properties: a clear element error, non-zero exit, no crash.
#  3. videotestsrc at 321x241 (odd: padded rows) in BGR, BGRx, RGB, RGBx: raw frames with and
#     without the element compared pixel by pixel: inside the listed boxes every pixel changed,
#     outside none; fill colour in the right channel order; one ROI meta per box.
#  4. vtest.avi: filesrc ! decodebin ! videoconvert ! shroudredact ! x264enc ! mp4mux, frame count
#     checked with ffprobe.
#  5. With the YuNet model: the faces of a photo (ground truth from dlib's testing.xml) are filled
#     in every frame of a still clip, on detection frames and tracked frames alike.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
PLUGIN_DIR=$BUILD/gst
skip() { echo "SKIP: $*"; exit 77; }
for t in gst-launch-1.0 gst-inspect-1.0 ffprobe; do command -v $t >/dev/null || skip "$t not installed"; done
[ -f "$PLUGIN_DIR/libgstshroud.so" ] || skip "plugin $PLUGIN_DIR/libgstshroud.so not built"
[ -x "$PLUGIN_DIR/gst_roi_dump" ] || skip "$PLUGIN_DIR/gst_roi_dump not built"
PY=/usr/bin/python3
$PY -c "import numpy" 2>/dev/null || skip "/usr/bin/python3 with numpy needed"
export GST_PLUGIN_PATH=$PLUGIN_DIR
# A private registry, so a stale system registry or another build's plugin is never used.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GST_REGISTRY=$TMP/registry.bin
fail() { echo "FAIL: $*"; exit 1; }
SECONDS=0

# ---- 1. gst-inspect-1.0
gst-inspect-1.0 shroudredact >"$TMP/inspect.txt" 2>&1 || { cat "$TMP/inspect.txt"; fail "gst-inspect-1.0 shroudredact"; }
for p in detector method threshold detect-interval hold mask-scale policy-file key-file models; do
  grep -q "^  $p *:" "$TMP/inspect.txt" || fail "gst-inspect-1.0 does not list property $p"
done
grep -q "GstVideoRegionOfInterestMeta" "$TMP/inspect.txt" || fail "description does not mention the ROI meta"
echo "ok: gst-inspect-1.0 lists the 9 properties"

# ---- 2. errors: the pipeline fails with a message naming the problem
expect_error() {   # PROPS... ; last arg: text the error must contain
  local want=${!#}
  local props=("${@:1:$#-1}")
  if timeout 60 gst-launch-1.0 -q videotestsrc num-buffers=2 ! videoconvert ! shroudredact "${props[@]}" ! fakesink \
      >"$TMP/err.txt" 2>&1; then
    fail "shroudredact ${props[*]} did not fail"
  fi
  grep -q "ERROR: from element .*shroudredact" "$TMP/err.txt" || { cat "$TMP/err.txt"; fail "no element error for ${props[*]}"; }
  grep -qF -- "$want" "$TMP/err.txt" || { cat "$TMP/err.txt"; fail "error for ${props[*]} does not say '$want'"; }
}
expect_error detector=nosuch "unknown detector 'nosuch'"
expect_error mask-scale=0.05 "mask_scale"
expect_error policy-file=$TMP/none.json "none.json"
expect_error detector=yunet models=$TMP/nomodels "nomodels"
echo '{"method": "seal"}' >"$TMP/seal.json"
expect_error policy-file=$TMP/seal.json key-file=$TMP/none.json "none.json"
expect_error key-file=$TMP/none.json "key-file only applies to method seal"
if [ -x "$BUILD/shroud" ]; then
  "$BUILD/shroud" keygen "$TMP/keys.json" >/dev/null 2>&1
  expect_error policy-file=$TMP/seal.json key-file=$TMP/keys.json "method 'seal' is not available for frame streams"
fi
echo "ok: bad properties are element errors"

# ---- 3. pixel check at an odd size in each format
W=321 H=241 N=4
cat >"$TMP/regions.json" <<'JSON'
{"regions": [{"kind": "face", "box": [40, 50, 100, 60]}, {"kind": "plate", "box": [200, 150, 60, 40]},
             {"kind": "custom", "box": [280, 200, 100, 100]}]}
JSON
echo '{"fill_color": [255, 0, 0], "mask_scale": 1.0}' >"$TMP/blue.json"
for fmt in BGR BGRx RGB RGBx; do
  for method in blur fill; do
    caps="video/x-raw,format=$fmt,width=$W,height=$H"
    src="videotestsrc num-buffers=$N pattern=checkers-1 ! $caps"
    gst-launch-1.0 -q $src ! filesink location="$TMP/ref.raw" || fail "reference pipeline $fmt"
    gst-launch-1.0 -q $src ! shroudredact detector=manual:$TMP/regions.json method=$method policy-file=$TMP/blue.json \
      ! filesink location="$TMP/out.raw" || fail "shroudredact $fmt $method"
    $PY - "$TMP/ref.raw" "$TMP/out.raw" $fmt $W $H $N $method <<'PYEOF' || fail "pixel check $fmt $method"
import sys, numpy as np
ref_path, out_path, fmt, w, h, n, method = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:7]), sys.argv[7]
ch = 3 if fmt in ("BGR", "RGB") else 4
ref = np.fromfile(ref_path, np.uint8); out = np.fromfile(out_path, np.uint8)
assert ref.size == out.size and ref.size % n == 0, (ref.size, out.size)
stride = ref.size // n // h                  # rows are padded to 4 bytes (321*3 -> 964)
assert stride >= w * ch
def frames(a): return a.reshape(n, h, stride)[:, :, : w * ch].reshape(n, h, w, ch)
ref, out = frames(ref), frames(out)
boxes = [(40, 50, 100, 60), (200, 150, 60, 40), (280, 200, 41, 41)]   # the last clipped to the frame
inside = np.zeros((h, w), bool)
for x, y, bw, bh in boxes: inside[y:y + bh, x:x + bw] = True
changed = (ref[..., :3] != out[..., :3]).any(axis=3)          # colour channels
assert not changed[:, ~inside].any(), f"{fmt}: {changed[:, ~inside].sum()} pixels changed outside the boxes"
frac = changed[:, inside].mean()
if method == "fill":
    blue = (0, 0, 255) if fmt.startswith("RGB") else (255, 0, 0)
    assert (out[:, inside][..., :3] == blue).all(), f"{fmt}: fill colour is not blue in {fmt} order"
    assert frac > 0.99, frac
else:
    assert frac > 0.95, f"{fmt}: only {frac:.3f} of the box pixels changed"
if ch == 4: assert (out[..., 3] == ref[..., 3]).all(), "4th channel changed"
print(f"ok: {fmt} {method}: {inside.sum()} box pixels x {n} frames, {frac:.4f} changed, 0 outside")
PYEOF
  done
  # One ROI meta per box, kind and clipped rectangle, on every frame.
  "$PLUGIN_DIR/gst_roi_dump" "videotestsrc num-buffers=2 ! $caps ! shroudredact detector=manual:$TMP/regions.json mask-scale=1 ! appsink name=sink" >"$TMP/roi.txt"
  printf 'frame 0\nroi face 40 50 100 60 1 blur\nroi plate 200 150 60 40 2 blur\nroi custom 280 200 41 41 3 blur\nframe 1\nroi face 40 50 100 60 1 blur\nroi plate 200 150 60 40 2 blur\nroi custom 280 200 41 41 3 blur\n' >"$TMP/roi_want.txt"
  diff "$TMP/roi_want.txt" "$TMP/roi.txt" || fail "ROI metas for $fmt"
done
# Tracking between detections (detect-interval=2): frame 1's boxes are the tracked ones, grown 2%.
"$PLUGIN_DIR/gst_roi_dump" "videotestsrc num-buffers=3 ! video/x-raw,format=BGR,width=$W,height=$H ! shroudredact detector=manual:$TMP/regions.json mask-scale=1 detect-interval=2 ! appsink name=sink" >"$TMP/roi.txt"
printf 'frame 0\nroi face 40 50 100 60 1 blur\nroi plate 200 150 60 40 2 blur\nroi custom 280 200 41 41 3 blur\nframe 1\nroi face 39 49 102 62 1 blur\nroi plate 199 149 62 41 2 blur\nroi custom 279 199 42 42 3 blur\nframe 2\nroi face 40 50 100 60 1 blur\nroi plate 200 150 60 40 2 blur\nroi custom 280 200 41 41 3 blur\n' >"$TMP/roi_want.txt"
diff "$TMP/roi_want.txt" "$TMP/roi.txt" || fail "ROI metas with detect-interval=2"
echo "ok: ROI metas (kind, clipped box, track id), tracked boxes between detections"

# Tiny frames (the detector gets a 1x1 image) pass without error; I420 is not negotiated.
DET_TINY="zones:$TMP/regions.json"
[ -f "${SHROUD_MODELS:-/work/shared/models}/face_detection_yunet_2023mar.onnx" ] && DET_TINY=yunet
for size in "width=1,height=1" "width=7,height=5"; do
  for fmt in BGR RGBx; do
    SHROUD_MODELS=${SHROUD_MODELS:-/work/shared/models} gst-launch-1.0 -q videotestsrc num-buffers=2 \
      ! video/x-raw,format=$fmt,$size ! shroudredact detector=$DET_TINY ! fakesink || fail "$fmt $size with $DET_TINY"
  done
done
if gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,format=I420 ! shroudredact ! fakesink >"$TMP/i420.txt" 2>&1; then
  fail "I420 was accepted"
fi
grep -q "can't handle caps" "$TMP/i420.txt" || { cat "$TMP/i420.txt"; fail "I420: no negotiation error"; }
echo "ok: 1x1 and 7x5 frames; I420 refused at negotiation"

# ---- 4. vtest.avi through decodebin ! ... ! x264enc ! mp4mux, frame count by ffprobe
VTEST=/usr/share/doc/opencv-doc/examples/data/vtest.avi
if [ -f "$VTEST" ]; then
  # The whole file: `identity eos-after=N` races the EOS against the last buffer (N-1 frames in
  # about 1 run of 4 even without shroudredact), so the count comes from the source itself.
  FRAMES=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$VTEST")
  echo '{"zones": [{"kind": "face", "rel": [0.25, 0.25, 0.25, 0.25]}]}' >"$TMP/zones.json"
  gst-launch-1.0 -q filesrc location=$VTEST ! decodebin ! videoconvert \
    ! shroudredact detector=zones:$TMP/zones.json detect-interval=2 ! videoconvert \
    ! x264enc speed-preset=ultrafast ! mp4mux ! filesink location="$TMP/vtest.mp4" || fail "vtest.avi pipeline"
  got=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$TMP/vtest.mp4")
  [ "$got" = "768,576,$FRAMES" ] || fail "vtest.mp4: ffprobe says '$got', want 768,576,$FRAMES"
  echo "ok: vtest.avi -> H.264 MP4, $FRAMES frames 768x576"
else
  echo "note: $VTEST absent, vtest pipeline not run"
fi

# ---- 5. faces in a clip are filled (YuNet)
MODELS=${SHROUD_MODELS:-/work/shared/models}
IMG=/work/shared/data/faces/dlib_examples_faces/2008_002506.jpg
if [ -f "$MODELS/face_detection_yunet_2023mar.onnx" ] && [ -f "$IMG" ]; then
  gst-launch-1.0 -q filesrc location=$IMG ! jpegdec ! imagefreeze num-buffers=6 ! videoconvert \
    ! video/x-raw,format=BGR,width=500,height=375 ! shroudredact detector=yunet models=$MODELS method=fill detect-interval=3 \
    ! filesink location="$TMP/faces.raw" || fail "face pipeline"
  $PY - "$TMP/faces.raw" <<'PYEOF' || fail "faces not protected"
import sys, numpy as np
w, h, n = 500, 375, 6
a = np.fromfile(sys.argv[1], np.uint8)
stride = a.size // n // h
f = a.reshape(n, h, stride)[:, :, : w * 3].reshape(n, h, w, 3)
black = (f == 0).all(axis=3)
# dlib testing.xml ground truth for 2008_002506.jpg: (left, top, width, height)
for i in range(n):
    for x, y, bw, bh in [(329, 78, 109, 109), (224, 95, 91, 91), (125, 65, 90, 91)]:
        cov = black[i, y:y + bh, x:x + bw].mean()
        assert cov >= 0.9, f"frame {i}: face at {x},{y} only {cov:.2f} covered"
    assert black[i].mean() < 0.5, "more than half the frame filled"
print(f"ok: 3 faces filled in all {n} frames (detection on 0 and 3, tracked between)")
PYEOF
else
  echo "note: YuNet model or test image absent, face check not run"
fi
echo "gst tests: all passed in ${SECONDS}s"
