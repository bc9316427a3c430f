#!/usr/bin/python3
"""Recovery-track coding options and the entropy floor of grain, on the sealed regions of a clip.

Usage: bench/track_entropy.py CLIP REGIONS.jsonl [--clean CLEAN_CLIP] [--frames N] [--key-interval K]

CLIP and REGIONS.jsonl as `shroud protect CLIP --method seal --regions-json REGIONS.jsonl` wrote
them (the sealed rectangles per frame). For the regions of every frame it reports bytes per
frame (8-bit BGR) of:
  raw         the region pixels (what a v1 track stores)
  v2/zstd1    today's v2 codec stream (MED or inter residuals, B and R relative to G, zigzag
              planes) compressed with libzstd level 1, and with level 19 + long mode
  adaptive    the same residuals under an adaptive arithmetic coder: the exact ideal code length
              sum(-log2 p) of an adaptive frequency model reset at every frame (what a real
              arithmetic/rANS coder achieves within a few bytes a record), order 0 and with
              LOCO-I-like contexts (quantised local gradient activity, 9 classes)
  mix         spatial + temporal prediction mixed: per region the least-squares linear predictor
              over causal spatial neighbours and the motion-compensated previous-frame pixels
              (9 coefficients a region and channel, cost counted), adaptive context coding
With --clean (the same clip without the added grain, encoded the same way), it also reports the
empirical entropy of the grain that survives encoding, d = CLIP - CLEAN on the region pixels,
conditioned on its causal neighbours: a lower bound for any coder of CLIP's regions that does
not know CLEAN's pixels either (H(X) >= H(X | CLEAN)), so the largest lossless ratio.
"""
import argparse
import ctypes
import json
import math

import cv2
import numpy as np

zstd = ctypes.CDLL("libzstd.so.1")
zstd.ZSTD_compressBound.restype = ctypes.c_size_t
zstd.ZSTD_compress.restype = ctypes.c_size_t
zstd.ZSTD_compressCCtx.restype = ctypes.c_size_t
zstd.ZSTD_createCCtx.restype = ctypes.c_void_p
zstd.ZSTD_CCtx_setParameter.restype = ctypes.c_size_t
zstd.ZSTD_compress2.restype = ctypes.c_size_t


def zstd_size(buf, level, long_mode=False):
    src = bytes(buf)
    cap = zstd.ZSTD_compressBound(ctypes.c_size_t(len(src)))
    dst = ctypes.create_string_buffer(cap)
    cctx = ctypes.c_void_p(zstd.ZSTD_createCCtx())
    zstd.ZSTD_CCtx_setParameter(cctx, 100, level)  # ZSTD_c_compressionLevel
    if long_mode:
        zstd.ZSTD_CCtx_setParameter(cctx, 160, 1)  # ZSTD_c_enableLongDistanceMatching
    n = zstd.ZSTD_compress2(cctx, dst, ctypes.c_size_t(cap), src, ctypes.c_size_t(len(src)))
    zstd.ZSTD_freeCCtx(cctx)
    return n


def load_regions(path):
    frames = []
    for line in open(path):
        rec = json.loads(line)
        rects = []
        for r in rec.get("protected", []):
            b = r["box"]
            if isinstance(b, dict):
                rects.append((int(b["x"]), int(b["y"]), int(b["w"] if "w" in b else b["width"]),
                              int(b["h"] if "h" in b else b["height"])))
            else:
                rects.append(tuple(int(v) for v in b))
        frames.append(rects)
    return frames


def clip_rect(r, w, h):
    x, y, rw, rh = r
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + rw), min(h, y + rh)
    return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None


def med(a, b, c):
    mx, mn = np.maximum(a, b), np.minimum(a, b)
    return np.where(c >= mx, mn, np.where(c <= mn, mx, a + b - c))


def neighbours(p):
    """Causal neighbours a (left), b (up), c (up-left), d (up-right) of a 2-D int array, with the
    codec's border rules (first row: left; first column: up; first sample: 0)."""
    a = np.zeros_like(p); a[:, 1:] = p[:, :-1]; a[1:, 0] = p[:-1, 0]
    b = np.zeros_like(p); b[1:, :] = p[:-1, :]; b[0, 1:] = p[0, :-1]
    c = np.zeros_like(p); c[1:, 1:] = p[:-1, :-1]; c[1:, 0] = p[:-1, 0]; c[0, 1:] = p[0, :-1]
    d = np.zeros_like(p); d[1:, :-1] = p[:-1, 1:]; d[1:, -1] = p[:-1, -1]; d[0, 1:] = p[0, :-1]
    return a, b, c, d


def med_pred(p):
    a, b, c, _ = neighbours(p)
    pr = med(a, b, c)
    pr[0, :] = a[0, :]
    pr[:, 0] = b[:, 0]
    pr[0, 0] = 0
    return pr


def wrap8(x):
    return ((x + 128) & 255) - 128


def ctx_of(p, res):
    """LOCO-I-like context: quantised activity |a-c| + |b-c| + |c-d| of the pixels plus the
    magnitude of the causal neighbours' residuals, 9 classes."""
    a, b, c, d = neighbours(p)
    g = np.abs(a - c) + np.abs(b - c) + np.abs(d - b)
    ra, rb, _, _ = neighbours(np.abs(res))
    act = g + 2 * (ra + rb)
    edges = np.array([1, 3, 6, 10, 16, 26, 42, 70])
    return np.searchsorted(edges, act, side="right")


def adaptive_bits(symbols, ctx=None, nctx=1, alphabet=256):
    """Ideal code length (bits) of an adaptive frequency model (counts start at 1/alphabet-ish
    via a KT-like +0.5 estimator per context), symbols coded in order."""
    s = symbols.ravel().astype(np.int64)
    c = np.zeros_like(s) if ctx is None else ctx.ravel().astype(np.int64)
    # Count of each (ctx, symbol) before each position, in order: group by key, rank within group.
    key = c * alphabet + s
    order = np.argsort(key, kind="stable")
    ks = key[order]
    first = np.r_[0, np.flatnonzero(np.diff(ks)) + 1]
    run = np.zeros(len(ks), np.int64)
    run[first] = first
    run = np.maximum.accumulate(run)
    prior_sym = np.empty(len(s), np.int64)
    prior_sym[order] = np.arange(len(ks)) - run
    corder = np.argsort(c, kind="stable")
    cs = c[corder]
    cfirst = np.r_[0, np.flatnonzero(np.diff(cs)) + 1]
    crun = np.zeros(len(cs), np.int64)
    crun[cfirst] = cfirst
    crun = np.maximum.accumulate(crun)
    prior_ctx = np.empty(len(s), np.int64)
    prior_ctx[corder] = np.arange(len(cs)) - crun
    p = (prior_sym + 0.5) / (prior_ctx + 0.5 * alphabet)
    return float(-np.log2(p).sum())


def zz(r):
    return np.where(r >= 0, 2 * r, -2 * r - 1)


def best_offset(cur, prev, valid, x, y, w, h, search=4):
    """The codec's choice: offset minimising sum |cur - prev| (invalid pixels cost like intra)."""
    H, W = prev.shape[:2]
    best, bo = None, None
    sub = cur[::2, ::2].astype(np.int64)
    for oy in range(-search, search + 1):
        for ox in range(-search, search + 1):
            x0, y0 = x + ox, y + oy
            if x0 < 0 or y0 < 0 or x0 + w > W or y0 + h > H:
                continue
            if valid[y0:y0 + h, x0:x0 + w].mean() < 0.99:
                continue
            ref = prev[y0:y0 + h:2, x0:x0 + w:2].astype(np.int64)
            cost = np.abs(sub - ref).sum()
            if best is None or cost < best:
                best, bo = cost, (ox, oy)
    return bo


def residuals_sg(crop, ref):
    """Subtract-green variant: planes G, (B-G), (R-G) (signed, wrapped to 8 bits) each
    predicted on its own (MED within the region, or the same plane of the reference)."""
    g = crop[:, :, 1].astype(np.int64)
    planes = [g, wrap8(crop[:, :, 0].astype(np.int64) - g), wrap8(crop[:, :, 2].astype(np.int64) - g)]
    if ref is not None:
        rg = ref[:, :, 1].astype(np.int64)
        rplanes = [rg, wrap8(ref[:, :, 0].astype(np.int64) - rg), wrap8(ref[:, :, 2].astype(np.int64) - rg)]
    out = []
    for i, p in enumerate(planes):
        pr = med_pred(p) if ref is None else rplanes[i]
        out.append(wrap8(p - pr))
    return out, planes


def residuals_v2(crop, ref):
    """Today's codec residual planes (int, wrapped) per channel order G, B-G, R-G; ref: the
    co-registered previous-frame crop or None (intra)."""
    res = []
    for ch in range(3):
        p = crop[:, :, ch].astype(np.int64)
        pr = med_pred(p) if ref is None else ref[:, :, ch].astype(np.int64)
        res.append(wrap8(p - pr))
    g = res[1]
    return [g, wrap8(res[0] - g), wrap8(res[2] - g)]


def lsq_mix(crop, ref):
    """Least-squares linear mix of spatial (a, b, c, d, MED) and temporal (T, T_a, T_b, T_c)
    predictors, per channel; returns rounded residuals (G, B-G, R-G) and coefficient cost."""
    res = []
    for ch in range(3):
        p = crop[:, :, ch].astype(np.float64)
        a, b, c, d = neighbours(p)
        cols = [a, b, c, d, med_pred(crop[:, :, ch].astype(np.int64)).astype(np.float64)]
        if ref is not None:
            t = ref[:, :, ch].astype(np.float64)
            ta, tb, tc, _ = neighbours(t)
            cols += [t, a - ta, b - tb, c - tc]
        X = np.stack([v.ravel() for v in cols], 1)
        coef, *_ = np.linalg.lstsq(X, p.ravel(), rcond=None)
        coef = np.round(coef * 256) / 256  # 16-bit fixed point, sent per region
        pr = np.clip(np.round(X @ coef), 0, 255).reshape(p.shape).astype(np.int64)
        res.append(wrap8(crop[:, :, ch].astype(np.int64) - pr))
    g = res[1]
    return [g, wrap8(res[0] - g), wrap8(res[2] - g)], 3 * len(cols) * 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("clip")
    ap.add_argument("regions")
    ap.add_argument("--clean")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--key-interval", type=int, default=30)
    args = ap.parse_args()
    rects_per_frame = load_regions(args.regions)
    cap = cv2.VideoCapture(args.clip)
    capc = cv2.VideoCapture(args.clean) if args.clean else None
    tot = dict(sgz1=0, raw=0, z1=0, z19=0, a0=0, actx=0, mix=0, samples=0, floor0=0, floorctx=0, floor_g=0)
    prev, valid = None, None
    nfr = 0
    for fi in range(min(args.frames, len(rects_per_frame))):
        ok, frame = cap.read()
        if not ok:
            break
        clean = None
        if capc is not None:
            okc, clean = capc.read()
            if not okc:
                clean = None
        H, W = frame.shape[:2]
        key = fi % args.key_interval == 0
        stream = bytearray()
        sstream = bytearray()
        fa0 = factx = fmix = 0.0
        syms, ctxs, msyms, mctxs = [], [], [], []
        fsyms0, fsyms, fctx = [], [], []
        cur_valid = np.zeros((H, W), np.uint8)
        for r in rects_per_frame[fi]:
            r = clip_rect(r, W, H)
            if r is None:
                continue
            x, y, w, h = r
            cur_valid[y:y + h, x:x + w] = 1
            crop = frame[y:y + h, x:x + w]
            tot["raw"] += crop.size
            tot["samples"] += crop.size
            ref = None
            if not key and prev is not None:
                o = best_offset(crop, prev, valid, x, y, w, h)
                if o is not None:
                    cand = prev[y + o[1]:y + o[1] + h, x + o[0]:x + o[0] + w]
                    intra_cost = sum(np.abs(v).sum() for v in residuals_v2(crop, None))
                    inter_cost = sum(np.abs(v).sum() for v in residuals_v2(crop, cand))
                    ref = cand if inter_cost < intra_cost else None
            res = residuals_v2(crop, ref)
            stream += bytes(5)
            for v in res:
                stream += zz(v).astype(np.uint8).tobytes()
            for ch, v in enumerate(res):
                syms.append(zz(v).ravel())
                ctxs.append(ctx_of(crop[:, :, [1, 0, 2][ch]].astype(np.int64), v).ravel() + 9 * min(ch, 1))
            sres, splanes = residuals_sg(crop, ref)
            sstream += bytes(5)
            for ch, v in enumerate(sres):
                sstream += zz(v).astype(np.uint8).tobytes()
                msyms.append(zz(v).ravel())
                mctxs.append(ctx_of(splanes[ch], v).ravel() + 9 * min(ch, 1))
            if clean is not None:
                dd = frame[y:y + h, x:x + w].astype(np.int64) - clean[y:y + h, x:x + w].astype(np.int64)
                g = dd[:, :, 1]
                comps = [g, dd[:, :, 0] - g, dd[:, :, 2] - g]
                for ch, v in enumerate(comps):
                    fsyms0.append(zz(wrap8(v)).ravel())
                    # context: the causal neighbours' grain values (left, up) clipped to +-3, and the channel class
                    a, b, _, _ = neighbours(v)
                    cx = (np.clip(a, -3, 3) + 3) * 7 + (np.clip(b, -3, 3) + 3)
                    fsyms.append(zz(wrap8(v)).ravel())
                    fctx.append(cx.ravel() + 49 * ch)
                tot["floor_g"] += 0
        if syms:
            s = np.concatenate(syms)
            tot["a0"] += adaptive_bits(s) / 8
            tot["actx"] += adaptive_bits(s, np.concatenate(ctxs), 18) / 8
            tot["mix"] += adaptive_bits(np.concatenate(msyms), np.concatenate(mctxs), 18) / 8
            tot["sgz1"] += zstd_size(sstream, 1)
            tot["z1"] += zstd_size(stream, 1)
            tot["z19"] += zstd_size(stream, 19, True)
        if fsyms:
            tot["floor0"] += adaptive_bits(np.concatenate(fsyms0)) / 8
            tot["floorctx"] += adaptive_bits(np.concatenate(fsyms), np.concatenate(fctx), 147) / 8
        prev, valid = frame, cur_valid
        nfr += 1
    n = nfr
    print(f"{args.clip}: {n} frames, {tot['samples'] / n:.0f} region samples/frame (8-bit)")
    rows = [("raw (v1 track body)", tot["raw"]), ("v2 codec, zstd -1", tot["z1"]),
            ("v2 codec, zstd -19 --long", tot["z19"]),
            ("v2 residuals, adaptive order-0 arithmetic", tot["a0"]),
            ("v2 residuals, adaptive context (LOCO-I-like) arithmetic", tot["actx"]),
            ("subtract-green planes (G, B-G, R-G) predicted, zstd -1", tot["sgz1"]),
            ("subtract-green planes, adaptive context arithmetic", tot["mix"])]
    if capc is not None:
        rows += [("floor: grain CLIP-CLEAN, adaptive order-0", tot["floor0"]),
                 ("floor: grain CLIP-CLEAN, context of neighbours", tot["floorctx"])]
    for name, b in rows:
        bps = 8 * b / tot["samples"]
        print(f"  {name:58s} {b / n:10.0f} B/frame  {bps:5.2f} bits/sample  {tot['raw'] / b:5.2f}x vs raw")


if __name__ == "__main__":
    main()
