#!/usr/bin/env python3
"""Protect the faces in a webcam or a video with cv2.VideoCapture and shroud, frame by frame.

    python3 protect_video.py                        # webcam 0, shown in a window (q quits)
    python3 protect_video.py street.avi out.avi     # a file, written with OpenCV (MJPG)

The loop is the whole integration: each frame is protected in place (no copy) before it is
shown or written. For files, `shroud protect IN -o OUT` (or Engine.protect_file for images)
also keeps audio and timing and tracks faces between detections; this example is the simplest
way to put Shroud inside an existing OpenCV program.
"""
import argparse

import cv2

import shroud


def main():
    ap = argparse.ArgumentParser(description="Protect faces in a webcam or a video.")
    ap.add_argument("input", nargs="?", default="0", help="video file, or a camera index (default 0)")
    ap.add_argument("output", nargs="?", help="output video (.avi, MJPG); default: show a window")
    ap.add_argument("--method", default="pixelate")
    ap.add_argument("--detector", default=None, help="detector spec (default: YuNet + plates)")
    ap.add_argument("--max-frames", type=int, default=0)
    args = ap.parse_args()

    engine = shroud.Engine(detector=args.detector, method=args.method)
    cap = cv2.VideoCapture(int(args.input) if args.input.isdigit() else args.input)
    writer, frames = None, 0
    while args.max_frames == 0 or frames < args.max_frames:
        ok, frame = cap.read()                  # uint8 HxWx3 BGR
        if not ok:
            break
        engine.protect(frame)                   # in place: faces pixelated
        frames += 1
        if args.output:
            if writer is None:
                fps = cap.get(cv2.CAP_PROP_FPS) or 25
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(args.output, cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
            writer.write(frame)
        else:
            cv2.imshow("shroud", frame)
            if cv2.waitKey(1) & 0xFF == ord("q"):
                break
    cap.release()
    if writer is not None:
        writer.release()
    print("%d frames protected" % frames)


if __name__ == "__main__":
    main()
