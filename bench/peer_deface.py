#!/usr/bin/python3
"""The script a user would write instead of Shroud: YuNet at 640, Gaussian blur, cv2.VideoWriter.

    /usr/bin/python3 bench/peer_deface.py MODEL INPUT OUTPUT

INPUT is a video file (OUTPUT: a video, mp4v) or a folder of images (OUTPUT: a folder). Prints
one line "frames N seconds S fps F" on stdout. Used by bench/peer_compare.sh as the peer.
"""
import os
import sys
import time

import cv2

SIZE = 640


def blur_faces(det, img):
    h, w = img.shape[:2]
    s = SIZE / max(h, w)
    small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))))
    det.setInputSize((small.shape[1], small.shape[0]))
    _, faces = det.detect(small)
    if faces is None:
        return img
    for f in faces:
        x, y, fw, fh = (f[:4] / s).astype(int)
        x, y = max(0, x), max(0, y)
        roi = img[y:y + fh, x:x + fw]
        if roi.size:
            k = max(3, (max(fw, fh) // 2) | 1)
            img[y:y + fh, x:x + fw] = cv2.GaussianBlur(roi, (k, k), 0)
    return img


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    model, src, dst = sys.argv[1:]
    det = cv2.FaceDetectorYN.create(model, "", (SIZE, SIZE), 0.6, 0.3, 5000)
    t0 = time.time()
    n = 0
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(src)):
            img = cv2.imread(os.path.join(src, name))
            if img is None:
                continue
            cv2.imwrite(os.path.join(dst, name), blur_faces(det, img))
            n += 1
    else:
        cap = cv2.VideoCapture(src)
        fps = cap.get(cv2.CAP_PROP_FPS) or 25
        out = None
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if out is None:
                out = cv2.VideoWriter(dst, cv2.VideoWriter_fourcc(*"mp4v"), fps, (frame.shape[1], frame.shape[0]))
            out.write(blur_faces(det, frame))
            n += 1
        if out is not None:
            out.release()
    dt = time.time() - t0
    print(f"frames {n} seconds {dt:.2f} fps {n / dt:.2f}")


if __name__ == "__main__":
    main()
