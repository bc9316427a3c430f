#!/usr/bin/python3
"""Which OpenCV tracker follows a reviewer's box (docs/studio.md, "Following an added box")?

A 640x360 synthetic clip: a 64x64 textured patch moving 3 px right and 1 px down per frame for 30
frames over a smooth background, then gone for 10 frames. For KCF, CSRT, MIL (cv2 trackers) and
pyramidal Lucas-Kanade on corners inside the box (median shift, forward-backward check), prints
the lowest IoU with the true box over frames 1..29, the median wall ms per frame, and whether the
tracker still reports the target after it vanished (it should not).
    /usr/bin/python3 bench/follow_compare.py
"""
import time

import cv2
import numpy as np

rng = np.random.default_rng(1)
bg = cv2.normalize(cv2.GaussianBlur(rng.integers(0, 255, (360, 640, 3), dtype=np.uint8), (0, 0), 6), None, 60, 190, cv2.NORM_MINMAX)
patch = cv2.GaussianBlur(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), (0, 0), 1.5)


def frame(i, present=True):
    f = bg.copy()
    x, y = 100 + 3 * i, 150 + i
    if present:
        f[y:y + 64, x:x + 64] = patch
    return f, (x, y, 64, 64)


def iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    i = max(0, x2 - x1) * max(0, y2 - y1)
    return i / (a[2] * a[3] + b[2] * b[3] - i)


for name, make in [("KCF", cv2.TrackerKCF_create), ("CSRT", cv2.TrackerCSRT_create), ("MIL", cv2.TrackerMIL_create)]:
    f0, b0 = frame(0)
    t = make()
    t.init(f0, b0)
    ious, ms = [], []
    for i in range(1, 30):
        f, g = frame(i)
        s = time.perf_counter()
        ok, b = t.update(f)
        ms.append(1000 * (time.perf_counter() - s))
        ious.append(iou(b, g) if ok else 0)
    still = sum(t.update(frame(i, False)[0])[0] for i in range(30, 40))
    print("%-4s min IoU %.2f  %.1f ms/frame  reports the vanished target on %d of 10 frames" % (name, min(ious), np.median(ms), still))

prev = cv2.cvtColor(frame(0)[0], cv2.COLOR_BGR2GRAY)
box = [100.0, 150.0, 64, 64]
ious, ms, after = [], [], 0
for i in range(1, 40):
    f, g = frame(i, i < 30)
    gray = cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)
    s = time.perf_counter()
    x, y, w, h = [int(v) for v in box]
    mask = np.zeros_like(prev)
    mask[y:y + h, x:x + w] = 255
    p = cv2.goodFeaturesToTrack(prev, 50, 0.01, 3, mask=mask)
    q, st, _ = cv2.calcOpticalFlowPyrLK(prev, gray, p, None, winSize=(15, 15), maxLevel=3)
    r, st2, _ = cv2.calcOpticalFlowPyrLK(gray, prev, q, None, winSize=(15, 15), maxLevel=3)
    good = (st[:, 0] == 1) & (st2[:, 0] == 1) & (np.linalg.norm((r - p)[:, 0], axis=1) < 1)
    d = np.median((q - p)[good, 0], axis=0) if good.sum() else np.zeros(2)
    box = [box[0] + d[0], box[1] + d[1], w, h]
    if i < 30:
        ms.append(1000 * (time.perf_counter() - s))
        ious.append(iou(box, g))
    elif good.mean() > 0.5:
        after += 1
    prev = gray
print("LK   min IoU %.2f  %.1f ms/frame  reports the vanished target on %d of 10 frames (>50%% of points tracked)" % (min(ious), np.median(ms), after))
