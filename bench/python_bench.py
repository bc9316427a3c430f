#!/usr/bin/env python3
"""Python Engine.protect() on a 1920x1080 frame against the C++ Engine::protect_frame() call,
through the same engine in the same process (docs/python.md, "Speed").

The C++ side is Engine._time_protect(), which times protect_frame() in a C++ loop with no
Python in between; the Python side times engine.protect(frame) with time.perf_counter(), so it
includes argument checks, the cv::Mat header, releasing and taking the GIL and building the
FrameReport. Same frame (messi5.jpg resized, as bench/engine_bench.cc), same five manual
regions, one OpenCV thread, blocks interleaved; the median per call of each side is reported.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--reps 8] [--calls 50]
"""
import argparse
import json
import os
import statistics
import tempfile
import threading
import time

import cv2
import numpy as np

import shroud

MESSI = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"
REGIONS = {"regions": [
    {"kind": "face", "box": [860, 300, 160, 200]}, {"kind": "face", "box": [300, 200, 120, 150]},
    {"kind": "face", "box": [1500, 250, 140, 170]}, {"kind": "face", "box": [600, 600, 100, 130]},
    {"kind": "plate", "box": [900, 850, 220, 60]}]}


def frame_1080p():
    src = cv2.imread(MESSI)
    if src is None:
        src = np.random.default_rng(1).integers(0, 256, (342, 548, 3), dtype=np.uint8)
    return cv2.resize(src, (1920, 1080), interpolation=cv2.INTER_LINEAR)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=8, help="interleaved blocks per side")
    ap.add_argument("--calls", type=int, default=50, help="calls per block")
    ap.add_argument("--methods", default="blur,pixelate,seal")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--threads", type=int, default=0,
                    help="also measure frames/s of 1..N Python threads sharing one engine (blur)")
    args = ap.parse_args()
    cv2.setNumThreads(1)  # the same libopencv_core as the module: one thread for both sides
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        regions = os.path.join(tmp, "regions.json")
        with open(regions, "w") as f:
            json.dump(REGIONS, f)
        empty = os.path.join(tmp, "empty.json")
        with open(empty, "w") as f:
            json.dump({"regions": []}, f)
        # "none": no regions, so the row is the fixed cost of a call (the Python overhead shows).
        for method in args.methods.split(",") + ["none"]:
            keys = {"keyset": shroud.Keyset.generate()} if method == "seal" else {}
            spec = "manual:" + (empty if method == "none" else regions)
            engine = shroud.Engine(detector=spec, method="blur" if method == "none" else method, **keys)
            frame = frame_1080p()
            engine.protect(frame)  # warm up (detector pool, caches)
            engine._time_protect(frame, 5)
            py, cc = [], []
            for _ in range(args.reps):
                for _ in range(args.calls):
                    t0 = time.perf_counter()
                    engine.protect(frame)
                    py.append(time.perf_counter() - t0)
                cc.extend(engine._time_protect(frame, args.calls))
            p, c = statistics.median(py), statistics.median(cc)
            rows.append({"method": method, "python_us": p * 1e6, "cpp_us": c * 1e6, "ratio": p / c,
                         "calls": len(py)})
        scaling = thread_scaling(regions, args.threads) if args.threads > 0 else []
    if args.json:
        print(json.dumps({"calls": rows, "threads": scaling}, indent=1))
        return
    print("| method | Python `protect` | C++ `protect_frame` | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print("| %s | %.1f us | %.1f us | %.3f |" % (r["method"], r["python_us"], r["cpp_us"], r["ratio"]))
    if scaling:
        print()
        print("| Python threads on one engine (blur) | frames/s | vs 1 thread | CPU s per wall s |")
        print("|---|---|---|---|")
        for t in scaling:
            print("| %d | %.0f | %.2fx | %.2f |" % (t["threads"], t["fps"], t["fps"] / scaling[0]["fps"], t["cpus"]))


def thread_scaling(regions, max_threads, seconds=3.0):
    """Frames/s of n threads, each protecting its own 1080p frame with one shared engine."""
    engine = shroud.Engine(detector="manual:" + regions, method="blur")
    out = []
    for n in range(1, max_threads + 1):
        frames = [frame_1080p() for _ in range(n)]
        counts = [0] * n
        stop = threading.Event()

        def work(i):
            while not stop.is_set():
                engine.protect(frames[i])
                counts[i] += 1

        threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
        c0 = time.process_time()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        # CPU seconds per wall second of the process: above 1 only if threads ran in parallel.
        out.append({"threads": n, "fps": sum(counts) / wall, "cpus": (time.process_time() - c0) / wall})
    return out


if __name__ == "__main__":
    main()
