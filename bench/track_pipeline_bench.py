#!/usr/bin/python3
"""End-to-end cost of the recovery track format: `shroud protect --method seal` and `shroud
recover` with `--track-format 1` (raw pixels) against `--track-format 3` (compressed, the
default), same input, same run.

Usage: bench/track_pipeline_bench.py [SHROUD] [--frames N] [--reps R] [--detector D]

Clips: OpenCV's vtest.avi (768x576) and `messiclean`, the 1920x1080 face clip of
bench/track_bench.sh (messi5.jpg scaled and panned, x264 crf 18), first N frames (default 60).
For each clip and repetition, v1 and v3 run back to back (the order alternates between
repetitions, so a load change on the shared machine does not favour one format); then each
protected video is recovered. Reported per clip and format: the median over the repetitions of
  wall fps       frames / wall seconds of the whole command (includes start-up and model loading)
  CPU ms/frame   user + sys CPU seconds of the command (all threads) / frames: less sensitive to
                 other processes on the machine than wall time
  seal ms/frame  the pipeline's own "protect" stage time (--stats: capture, placeholder,
                 compression, AEAD, write; the ordered thread)
and the ratios v3 / v1 of the medians. It also checks that the v1 and v3 recoveries decode to the
same frames (ffmpeg framemd5; the seal and the visible video do not depend on the format).
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DATA = "/usr/share/doc/opencv-doc/examples/data"


def run(cmd):
    """Runs cmd; returns (wall seconds, user+sys CPU seconds of the child, stderr text)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.stderr


def framemd5(path):
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "framemd5", "-"], stdout=subprocess.PIPE,
                       text=True, check=True)
    return [ln.split(",")[-1].strip() for ln in p.stdout.splitlines() if ln and not ln.startswith("#")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shroud", nargs="?", default="build/shroud")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--detector", default="yunet")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="trackpipe")
    try:
        key = os.path.join(work, "k.json")
        subprocess.run([a.shroud, "-q", "keygen", key], check=True)
        messi = os.path.join(work, "messiclean.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", f"{DATA}/messi5.jpg", "-vf",
                        "scale=-2:1350,crop=1920:1080:'(iw-1920)*t/10':'(ih-1080)*t/10',format=yuv420p",
                        "-r", "30", "-t", "10", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", messi],
                       check=True)
        clips = [("vtest", f"{DATA}/vtest.avi"), ("messiclean", messi)]
        print(f"# {a.shroud}, {a.frames} frames a clip, detector {a.detector}, {a.reps} repetitions, "
              f"load average {os.getloadavg()[0]:.1f} at start")
        res = {}
        for name, src in clips:
            for rep in range(a.reps):
                order = (1, 3) if rep % 2 == 0 else (3, 1)
                for fmt in order:
                    out = os.path.join(work, f"{name}_v{fmt}.mp4")
                    wall, cpu, err = run([a.shroud, "protect", src, "-o", out, "-d", a.detector, "--method", "seal",
                                          "--key", key, "--track-format", str(fmt), "--max-frames", str(a.frames),
                                          "--stats", "--force"])
                    m = re.search(r"protect ([0-9.]+)", err)
                    seal = float(m.group(1)) if m else float("nan")
                    fr = re.search(r"(\d+) frames \(", err)
                    frames = int(fr.group(1)) if fr else a.frames
                    track = os.path.getsize(out + ".shroudv")
                    rec = os.path.join(work, f"{name}_v{fmt}.rec.mkv")
                    rwall, rcpu, _ = run([a.shroud, "-q", "recover", out, "-o", rec, "--key", key, "--force"])
                    d = res.setdefault((name, fmt), dict(pw=[], pc=[], seal=[], rw=[], rc=[], track=track,
                                                         frames=frames))
                    d["pw"].append(frames / wall)
                    d["pc"].append(1000 * cpu / frames)
                    d["seal"].append(seal)
                    d["rw"].append(frames / rwall)
                    d["rc"].append(1000 * rcpu / frames)
                    print(f"  {name} v{fmt} rep {rep + 1}: protect {frames / wall:.1f} fps wall, "
                          f"{1000 * cpu / frames:.1f} CPU ms/frame, seal {seal:.2f} ms/frame; recover "
                          f"{frames / rwall:.1f} fps, {1000 * rcpu / frames:.1f} CPU ms/frame; "
                          f"track {track} B ({track // frames} B/frame)", flush=True)
            same = framemd5(os.path.join(work, f"{name}_v1.rec.mkv")) == framemd5(
                os.path.join(work, f"{name}_v3.rec.mkv"))
            print(f"  {name}: v1 and v3 recoveries decode to identical frames: {'yes' if same else 'NO'}")
        med = statistics.median
        print("\n| clip | format | track B/frame | protect fps (wall) | protect CPU ms/frame | seal stage ms/frame "
              "| recover fps (wall) | recover CPU ms/frame |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in clips:
            for fmt in (1, 3):
                d = res[(name, fmt)]
                print(f"| {name} | v{fmt} | {d['track'] // d['frames']:,} | {med(d['pw']):.1f} | {med(d['pc']):.1f} | "
                      f"{med(d['seal']):.2f} | {med(d['rw']):.1f} | {med(d['rc']):.1f} |")
            a1, a3 = res[(name, 1)], res[(name, 3)]
            print(f"| {name} | **v3 / v1** | {a3['track'] / a1['track']:.3f} | {med(a3['pw']) / med(a1['pw']):.2f} | "
                  f"{med(a3['pc']) / med(a1['pc']):.2f} | {med(a3['seal']) / med(a1['seal']):.2f} | "
                  f"{med(a3['rw']) / med(a1['rw']):.2f} | {med(a3['rc']) / med(a1['rc']):.2f} |")
        print(f"# load average {os.getloadavg()[0]:.1f} at end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
