#!/usr/bin/python3
"""Reference values for Shroud's metrics, computed with scikit-image and numpy.

Usage: skimage_metrics.py PAIRS.json OUT.json

PAIRS.json is a list of {"name": str, "a": path, "b": path, "region": [x, y, w, h] (optional),
"per_channel": bool (optional: also SSIM of each channel, else "ssim_channels" is empty)}.
Images are read with OpenCV (cv2.IMREAD_UNCHANGED, so BGR order and 16-bit kept). For each pair
OUT.json gets {"name", "ssim", "ssim_channels", "psnr", "mse", "npcr", "uaci", "l0", "l2",
"entropy_a", "entropy_b", "correlation_a": {"horizontal", "vertical", "diagonal"}} where psnr is
the string "inf" when the images are identical.

SSIM: skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=peak, channel_axis=-1 for colour); PSNR:
peak_signal_noise_ratio(a, b, data_range=peak); MSE: mean_squared_error; entropy:
skimage.measure.shannon_entropy (base 2). NPCR, UACI, L0, L2 and the correlations use numpy.

Exit status 77 when scikit-image (python3-skimage) or cv2 (python3-opencv) is missing, so the
caller can skip rather than fail.
"""
import json
import math
import sys
import warnings

try:
    import numpy as np
    import cv2
    from skimage.metrics import (mean_squared_error, peak_signal_noise_ratio,
                                 structural_similarity)
    from skimage.measure import shannon_entropy
except ImportError as e:  # pragma: no cover
    print(f"skimage_metrics.py: missing Python module: {e}", file=sys.stderr)
    sys.exit(77)


def read(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise SystemExit(f"skimage_metrics.py: cannot read {path}")
    return img


def correlation(img, dx, dy):
    if img.ndim == 2:
        img = img[:, :, None]
    h, w = img.shape[:2]
    out = []
    for c in range(img.shape[2]):
        p = img[0:h - dy, 0:w - dx, c].astype(np.float64).ravel()
        q = img[dy:h, dx:w, c].astype(np.float64).ravel()
        out.append(float(np.corrcoef(p, q)[0, 1]))
    return out


def measure(pair):
    a, b = read(pair["a"]), read(pair["b"])
    if "region" in pair:
        x, y, w, h = pair["region"]
        a, b = a[y:y + h, x:x + w], b[y:y + h, x:x + w]
    peak = 65535 if a.dtype == np.uint16 else 255
    colour = a.ndim == 3
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=peak)
    if colour:
        ssim = structural_similarity(a, b, channel_axis=-1, **kw)
        ssim_ch = ([structural_similarity(a[:, :, c], b[:, :, c], **kw) for c in range(a.shape[2])]
                   if pair.get("per_channel") else [])
    else:
        ssim = structural_similarity(a, b, **kw)
        ssim_ch = [ssim] if pair.get("per_channel") else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # divide by zero for identical images
        psnr = peak_signal_noise_ratio(a, b, data_range=peak)
    fa, fb = a.astype(np.float64), b.astype(np.float64)
    d = np.abs(fa - fb)
    changed = d if d.ndim == 2 else d.max(axis=2)
    return {
        "name": pair["name"],
        "ssim": float(ssim),
        "ssim_channels": [float(s) for s in ssim_ch],
        "psnr": "inf" if math.isinf(psnr) else float(psnr),
        "mse": float(mean_squared_error(a, b)),
        "npcr": float(np.count_nonzero(d) / d.size),
        "uaci": float(d.mean() / peak),
        "l0": int(np.count_nonzero(changed)),
        "l2": float(np.sqrt((d * d).sum())),
        "entropy_a": float(shannon_entropy(a, base=2)),
        "entropy_b": float(shannon_entropy(b, base=2)),
        "correlation_a": {"horizontal": correlation(a, 1, 0), "vertical": correlation(a, 0, 1),
                          "diagonal": correlation(a, 1, 1)},
    }


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        pairs = json.load(f)
    out = [measure(p) for p in pairs]
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
