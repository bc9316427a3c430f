#!/usr/bin/python3
"""Recognition rate of ksame with the batch itself as the gallery (`--gallery-batch`), end to end
on whole photos (docs/ksame.md).

The faces `shroud detect` finds in the photos are the identities (one each). The photos are
protected by `shroud protect` (the real CLI, the same regions via --regions-in): ksame with
--gallery-batch for several k, and blur and pixelate. Each face is then cut out of the original
and of the protected photo at its landmarks (aligned to the 64x64 k-Same template), and an
Eigenfaces and an LBPH recogniser trained on the original faces try to name the protected ones.
With --inner both see only the inside of the ellipse ksame replaces.

usage: scripts/ksame_measure_batch.py SHROUD_BINARY MODELS_DIR WORK_DIR PHOTO... [--inner]
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

S = 64
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], np.float32) * (S / 112.0)


def main():
    args = [a for a in sys.argv[1:] if a != "--inner"]
    inner = "--inner" in sys.argv[1:]
    shroud, models, work, photos = args[0], args[1], args[2], sorted(args[3:])
    os.makedirs(work, exist_ok=True)
    det = subprocess.run([shroud, "--models", models, "detect", "--detector", "yunet", "--json"] + photos,
                         check=True, capture_output=True, text=True).stdout
    entries = [json.loads(line) for line in det.splitlines() if line.strip()]
    for e in entries:   # faces with landmarks only: the ones ksame aligns and the batch gallery holds
        e["regions"] = [r for r in e["regions"] if r["kind"] == "face" and len(r.get("landmarks", [])) == 5]
    regions = os.path.join(work, "regions.json")
    with open(regions, "w") as fh:
        fh.write("\n".join(json.dumps(e) for e in entries) + "\n")
    faces = [(e["image"], r["landmarks"]) for e in entries for r in e["regions"]]
    mask = np.zeros((S, S), np.uint8)
    # The hard core of ksame's blend ellipse (src/protect/ksame.cc), shrunk by 3 sigma of its edge.
    cv2.ellipse(mask, ((0.5 * S, 0.55 * S), (0.68 * S - 6 * 0.06 * S, 0.82 * S - 6 * 0.06 * S), 0), 1, -1)

    def crops(image_of):
        out = []
        for path, lm in faces:
            img = cv2.imread(image_of(path), cv2.IMREAD_COLOR)
            m, _ = cv2.estimateAffinePartial2D(np.array(lm, np.float32), TEMPLATE, method=cv2.LMEDS)
            g = cv2.cvtColor(cv2.warpAffine(img, m, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
                             cv2.COLOR_BGR2GRAY)
            out.append(g * mask if inner else g)
        return out

    gallery = crops(lambda p: p)
    labels = np.arange(len(faces), dtype=np.int32)
    recs = {"eigenfaces": cv2.face.EigenFaceRecognizer_create(), "lbph": cv2.face.LBPHFaceRecognizer_create()}
    for r in recs.values():
        r.train(gallery, labels)
    runs = [("none", None), ("blur", ["--method", "blur"]), ("pixelate", ["--method", "pixelate"])]
    runs += [(f"ksame k={k}", ["--method", "ksame", "--gallery-batch", "--k", str(k)]) for k in (2, 5, 10)]
    print(f"{len(faces)} faces in {len(photos)} photos, gallery = the batch itself"
          f"{', inside the face ellipse only' if inner else ', aligned crop'}\n")
    print("| method | Eigenfaces | LBPH | 1/k |\n|---|---|---|---|")
    for name, extra in runs:
        out = os.path.join(work, name.replace(" ", "").replace("=", ""))
        if extra is None:
            probes = gallery
        else:
            # --jpeg-path pixel: the JPEG coefficient path hands the manual detector no image name.
            cmd = [shroud, "-q", "--models", models, "protect"] + photos + ["-o", out, "-f", "--regions-in", regions,
                                                                              "--jpeg-path", "pixel"] + extra
            subprocess.run(cmd, check=True)
            probes = crops(lambda p: os.path.join(out, os.path.basename(p)))
        rates = []
        for r in recs.values():
            hits = sum(int(r.predict(p)[0] == i) for i, p in enumerate(probes))
            rates.append(f"{hits}/{len(faces)} = {hits / len(faces):.3f}")
        inv = f"{1 / int(name.split('=')[1]):.3f}" if "k=" in name else ""
        print(f"| {name} | {rates[0]} | {rates[1]} | {inv} |")


if __name__ == "__main__":
    main()
