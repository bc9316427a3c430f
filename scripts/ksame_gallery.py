#!/usr/bin/python3
"""Builds a ksame gallery: every face YuNet finds in the input images, aligned by its five
landmarks to Shroud's 64x64 k-Same template (include/shroud/ksame.h), written as PNG crops.

usage: scripts/ksame_gallery.py MODEL.onnx OUT_DIR IMAGE... [--score 0.6] [--upscale 2]
"""
import argparse
import os
import sys

import cv2
import numpy as np

SIZE = 64
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], np.float32) * (SIZE / 112.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--score", type=float, default=0.6)
    ap.add_argument("--upscale", type=float, default=2.0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    det = cv2.FaceDetectorYN.create(a.model, "", (320, 320), a.score, 0.3, 5000)
    n = 0
    for path in sorted(a.images):
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            sys.exit(f"cannot read {path}")
        big = cv2.resize(img, None, fx=a.upscale, fy=a.upscale)
        det.setInputSize((big.shape[1], big.shape[0]))
        _, faces = det.detect(big)
        for f in (faces if faces is not None else []):
            lm = f[4:14].reshape(5, 2).astype(np.float32) / a.upscale
            m, _ = cv2.estimateAffinePartial2D(lm, TEMPLATE, method=cv2.LMEDS)
            if m is None:
                continue
            crop = cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            cv2.imwrite(os.path.join(a.out, f"face{n:04d}.png"), crop)
            n += 1
    print(f"{n} faces written to {a.out}")


if __name__ == "__main__":
    main()
