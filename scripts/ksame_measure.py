#!/usr/bin/python3
"""Recognition rate of ksame vs blur vs pixelate (docs/ksame.md).

The gallery's aligned crops are the identities (one image each). Every crop is protected by
`shroud protect` (the real engine; region = the whole crop, landmarks = the template) and an
Eigenfaces and an LBPH recogniser trained on the unprotected gallery try to name it.

With --inner, the recognisers see only the inside of the face ellipse ksame replaces (gallery
and probes both masked): what is left of identity in the face itself, not in hair and background.

usage: scripts/ksame_measure.py SHROUD_BINARY GALLERY_DIR WORK_DIR [--inner]
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

S = 64
TEMPLATE = (np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                      [41.5493, 92.3655], [70.7299, 92.2041]]) * (S / 112.0)).tolist()


def main():
    shroud, gallery, work = sys.argv[1:4]
    inner = "--inner" in sys.argv[4:]
    mask = np.zeros((S, S), np.uint8)
    # The hard core of ksame's blend ellipse (src/protect/ksame.cc), shrunk by 3 sigma of its edge.
    cv2.ellipse(mask, ((0.5 * S, 0.55 * S), (0.68 * S - 6 * 0.06 * S, 0.82 * S - 6 * 0.06 * S), 0), 1, -1)

    def load(path):
        g = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)
        return g * mask if inner else g

    files = sorted(f for f in os.listdir(gallery) if f.endswith(".png"))
    grey = [load(os.path.join(gallery, f)) for f in files]
    labels = np.arange(len(files), dtype=np.int32)
    recs = {"eigenfaces": cv2.face.EigenFaceRecognizer_create(), "lbph": cv2.face.LBPHFaceRecognizer_create()}
    for r in recs.values():
        r.train(grey, labels)
    os.makedirs(work, exist_ok=True)
    regions = os.path.join(work, "regions.json")
    with open(regions, "w") as fh:
        json.dump({"regions": [{"kind": "face", "box": [0, 0, S, S], "landmarks": TEMPLATE}]}, fh)
    runs = [("none", None), ("blur", ["--method", "blur"]), ("pixelate", ["--method", "pixelate"])]
    runs += [(f"ksame k={k}", ["--method", "ksame", "--gallery", gallery, "--k", str(k)]) for k in (2, 5, 10)]
    print(f"{len(files)} identities (one aligned 64x64 crop each){', inside the face ellipse only' if inner else ''}\n")
    print("| method | Eigenfaces | LBPH | 1/k |\n|---|---|---|---|")
    for name, args in runs:
        out = os.path.join(work, name.replace(" ", "").replace("=", ""))
        if args is None:
            out = gallery
        else:
            os.makedirs(out, exist_ok=True)
            cmd = [shroud, "-q", "protect", gallery, "-o", out, "-f", "--regions-in", regions, "--mask-scale", "1"] + args
            subprocess.run(cmd, check=True)
        probes = [load(os.path.join(out, f)) for f in files]
        rates = []
        for r in recs.values():
            hits = sum(int(r.predict(p)[0] == i) for i, p in enumerate(probes))
            rates.append(f"{hits}/{len(files)} = {hits / len(files):.3f}")
        inv = f"{1 / int(name.split('=')[1]):.3f}" if "k=" in name else ""
        print(f"| {name} | {rates[0]} | {rates[1]} | {inv} |")


if __name__ == "__main__":
    main()
