#!/usr/bin/python3
"""Learning on cipher images (issue #20 part 1; docs/learning.md).

Trains the same small CNN (PyTorch, CPU) on OpenCV's digits.png (5,000 handwritten digits, 20x20,
500 per class) plain and encrypted by Shroud itself (the `shroud` Python module, the same engine as
`shroud protect`), and reports the test accuracy of each. It reproduces the setting of the
perceptual-encryption paper's Table II (Ahmad and Shin: a DL model trained and tested on cipher
images, one key for the training and test sets) on data that is available offline.

Every image is padded from 20x20 to 24x24 (2 black pixels on each side, the digits' own
background) so that 4x4 and 8x8 blocks tile it exactly, and replicated to 3 channels (BGR) so the
colour-channel shuffle of pbe and perceptual takes part, as on CIFAR's colour images.

usage:
  PYTHONPATH=build/python /usr/bin/python3 scripts/learning_experiment.py -o DIR
      [--per-class 500] [--epochs 12] [--seed 1] [--threads 1] [--methods a,b,...]

Writes DIR/learning.json, DIR/learning.md (the table `shroud report --learning DIR` includes),
DIR/learning.png (accuracy per method) and DIR/learning_examples.png (one digit per class as
each method shows it to the network).
"""
import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time

import cv2
import numpy as np

DIGITS = "/usr/share/doc/opencv-doc/examples/data/digits.png"
CELL = 20
PAD = 2
SIZE = CELL + 2 * PAD   # 24: a multiple of 4 and 8

# name -> (label, description). Order is the table's order.
METHODS = {
    "plain": ("plain", "no encryption"),
    "pbe": ("pbe, one key", "PBE (Sirichotedumrong et al.): XOR 255 where the key bit is 1, channel shuffle; one key for the whole set"),
    "perceptual": ("perceptual, one key", "Ahmad-Shin: XOR with a logistic-map sequence where the key bit is 1, channel shuffle; one key for the whole set (the paper's setting)"),
    "block-scramble-4": ("block-scramble 4x4", "Shroud's block-scramble, 4x4 blocks (6x6 grid); one key file, but Shroud draws a random frame index per image, so every image gets its own permutation"),
    "block-scramble-8": ("block-scramble 8x8", "as above with 8x8 blocks (3x3 grid)"),
    "pbe-other-key": ("pbe, tested under another key", "the model trained on `pbe, one key` images, tested on the test set encrypted with a second key"),
    "perceptual-other-key": ("perceptual, tested under another key", "the model trained on `perceptual, one key` images, tested on the test set encrypted with a second key"),
    "pbe-per-image": ("pbe, a key per image", "pbe with a fresh key for every image (not the paper's setting)"),
    "perceptual-per-image": ("perceptual, a key per image", "perceptual with a fresh key for every image (not the paper's setting)"),
    "seal-fill": ("seal (fill placeholder)", "the seal's visible placeholder, fill: what a recipient without the key sees (the floor)"),
}
DEFAULT_METHODS = list(METHODS)


def load_digits(path, per_class):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise SystemExit(f"cannot read {path} (Debian package opencv-doc)")
    rows, cols = img.shape[0] // CELL, img.shape[1] // CELL   # 50 x 100; 5 rows per digit
    cells = img[: rows * CELL, : cols * CELL].reshape(rows, CELL, cols, CELL).swapaxes(1, 2).reshape(-1, CELL, CELL)
    labels = np.repeat(np.arange(10), len(cells) // 10)
    keep = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)])
    return cells[keep], labels[keep]


def to_frames(cells):
    padded = np.pad(cells, ((0, 0), (PAD, PAD), (PAD, PAD)))
    return np.ascontiguousarray(np.repeat(padded[..., None], 3, axis=3))   # N x 24 x 24 x 3, uint8 BGR


def split(labels, seed, test_fraction=0.2):
    rng = np.random.RandomState(seed)
    train, test = [], []
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        n_test = int(round(len(idx) * test_fraction))
        test.extend(idx[:n_test])
        train.extend(idx[n_test:])
    return np.array(sorted(train)), np.array(sorted(test))


def fixed_key(shroud, scheme, path, seed, name, block_size=None):
    """A key file made by Shroud (so the format is Shroud's), whose secrets are then set from the
    experiment's seed, so that a run is reproducible. Research use only: real keys come from
    `shroud keygen` and the OS random generator."""
    shroud.generate_scheme_key(scheme, path, overwrite=True, **({"block_size": block_size} if block_size else {}))
    with open(path) as f:
        key = json.load(f)

    def h(label):
        return hashlib.sha256(f"shroud-learning/{seed}/{name}/{label}".encode()).hexdigest()

    key["record_key"] = h("record")
    if scheme in ("pbe", "perceptual"):
        key[scheme]["seed"] = h("seed")
    if scheme == "perceptual":
        r = random.Random(h("logistic"))
        key[scheme]["mu"] = 3.6 + 0.39 * r.random()
        key[scheme]["d0"] = 0.05 + 0.9 * r.random()
    if scheme == "block-scramble":
        key["scramble_key"] = h("scramble")
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(key, f)
    os.replace(path + ".tmp", path)
    return path


def encrypt(shroud, method, frames, seed, keydir):
    """Returns the images as the network sees them, each produced by Shroud's engine in place."""
    out = frames.copy()
    if method == "plain":
        return out
    if method in ("pbe", "perceptual", "block-scramble-4", "block-scramble-8"):
        scheme = "block-scramble" if method.startswith("block") else method
        bs = int(method.rsplit("-", 1)[1]) if scheme == "block-scramble" else None
        key = fixed_key(shroud, scheme, os.path.join(keydir, method + ".key"), seed, method, bs)
        engine = shroud.Engine(method=scheme, key=key, whole_frame=True)
        for i in range(len(out)):
            engine.protect(out[i])
        return out
    if method in ("pbe-per-image", "perceptual-per-image"):
        scheme = method.split("-")[0]
        path = os.path.join(keydir, method + ".key")
        for i in range(len(out)):
            key = fixed_key(shroud, scheme, path, seed, f"{method}/{i}")
            shroud.Engine(method=scheme, key=key, whole_frame=True).protect(out[i])
        return out
    if method == "seal-fill":
        regions = os.path.join(keydir, "whole.json")
        with open(regions, "w") as f:
            json.dump({"regions": [{"kind": "custom", "box": [0, 0, SIZE, SIZE]}]}, f)
        engine = shroud.Engine(detector="manual:" + regions, method="seal", keyset=shroud.Keyset.generate(),
                               placeholder="fill", mask_scale=1.0)
        for i in range(len(out)):
            engine.protect(out[i])
        return out
    raise SystemExit(f"unknown method {method}")


def train_and_test(torch, x_train, y_train, x_test, y_test, epochs, seed, extra_tests=()):
    """Test accuracy on x_test and on each (x, y) of extra_tests with the same trained model."""
    nn = torch.nn
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 24 -> 12
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 12 -> 6
        nn.Flatten(), nn.Linear(32 * 6 * 6, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def tensor(x):   # N x H x W x C uint8 -> N x C x H x W float in [-0.5, 0.5]
        return torch.from_numpy(x.transpose(0, 3, 1, 2).astype(np.float32) / 255.0 - 0.5)

    xt, yt = tensor(x_train), torch.from_numpy(y_train.astype(np.int64))
    xs, ys = tensor(x_test), torch.from_numpy(y_test.astype(np.int64))
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=g)
        for b in range(0, len(xt), 64):
            idx = order[b:b + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        train_acc = (model(xt).argmax(1) == yt).float().mean().item()
        test_acc = (model(xs).argmax(1) == ys).float().mean().item()
        extra = [(model(tensor(x)).argmax(1) == torch.from_numpy(y.astype(np.int64))).float().mean().item()
                 for x, y in extra_tests]
    return train_acc, test_acc, extra


def run(methods, per_class=500, epochs=12, seed=1, threads=1, digits=DIGITS, log=print):
    import torch
    import shroud

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    cells, labels = load_digits(digits, per_class)
    frames = to_frames(cells)
    tr, te = split(labels, seed)
    results, examples = [], {}
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(10)]
    with tempfile.TemporaryDirectory() as keydir:
        for m in methods:
            if m.endswith("-other-key"):
                continue   # measured with the one-key model below
            t0 = time.time()
            images = encrypt(shroud, m, frames, seed, keydir)
            other = m + "-other-key"
            extra = []
            if other in methods:   # the same plaintexts under a second key (its own seed label)
                other_images = encrypt(shroud, m, frames[te], seed + 1000003, keydir)
                extra = [(other_images, labels[te])]
            t1 = time.time()
            train_acc, test_acc, extra_acc = train_and_test(torch, images[tr], labels[tr], images[te], labels[te],
                                                            epochs, seed, extra)
            t2 = time.time()
            examples[m] = images[firsts]
            for name, acc in [(m, test_acc)] + ([(other, extra_acc[0])] if extra else []):
                r = {"method": name, "label": METHODS[name][0], "description": METHODS[name][1],
                     "test_accuracy": round(acc, 4), "train_accuracy": round(train_acc, 4),
                     "encrypt_seconds": round(t1 - t0, 2), "train_seconds": round(t2 - t1, 2)}
                results.append(r)
                log(f"{name:22s} test {acc:.4f} train {train_acc:.4f} (encrypt {t1 - t0:.1f} s, train {t2 - t1:.1f} s)")
    setting = {"data": digits, "images": int(len(labels)), "per_class": per_class, "train": int(len(tr)),
               "test": int(len(te)), "image_size": f"{CELL}x{CELL} padded to {SIZE}x{SIZE}, grey replicated to 3 channels",
               "epochs": epochs, "seed": seed, "threads": threads, "torch": torch.__version__,
               "shroud": shroud.__version__,
               "model": "conv3x3(16)-relu-maxpool2, conv3x3(32)-relu-maxpool2, fc(64)-relu, fc(10); Adam lr 1e-3, batch 64"}
    return {"setting": setting, "results": results}, examples


# The paper's own statement of its Table II (the seed text gives the findings, not the table's
# cells): accuracy of PyramidNet+ShakeDrop on CIFAR-10/100 cipher images, one key for train and test.
PAPER = [
    ("plain", "baseline"),
    ("LE (Tanaka)", "comparable to plain"),
    ("ELE (Madono et al.)", "the worst of the four"),
    ("PBE (Sirichotedumrong et al.)", "comparable to plain"),
    ("proposed (Ahmad-Shin, `perceptual`)", "2 points below plain on CIFAR-10, 5 on CIFAR-100"),
]


def markdown(report):
    s, rs = report["setting"], report["results"]
    plain = next((r["test_accuracy"] for r in rs if r["method"] == "plain"), None)
    out = ["| images the CNN is trained and tested on | test accuracy | vs plain (points) | train accuracy |",
           "|---|---|---|---|"]
    for r in rs:
        diff = "" if plain is None or r["method"] == "plain" else f"{100 * (r['test_accuracy'] - plain):+.1f}"
        out.append(f"| {r['label']} | {100 * r['test_accuracy']:.1f}% | {diff} | {100 * r['train_accuracy']:.1f}% |")
    out += ["", f"Chance is 10%. Data: OpenCV `digits.png`, {s['images']} digits ({s['per_class']} per class), "
            f"{s['train']} train / {s['test']} test (stratified, seed {s['seed']}); {s['image_size']}. "
            f"Model: {s['model']}; {s['epochs']} epochs; torch {s['torch']} on {s['threads']} CPU thread(s); "
            f"Shroud {s['shroud']}.", "",
            "The paper (Ahmad and Shin, Table II, CIFAR-10/100, PyramidNet with ShakeDrop; the text we have states "
            "the findings, not the cells):", "",
            "| cipher | the paper's finding |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in PAPER]
    return "\n".join(out) + "\n"


def plot(report, examples, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rs = report["results"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rs) + 1.2))
    y = np.arange(len(rs))[::-1]
    acc = [100 * r["test_accuracy"] for r in rs]
    ax.barh(y, acc, color=["#4c72b0" if r["method"] != "seal-fill" else "#999999" for r in rs])
    for yi, a in zip(y, acc):
        ax.text(a + 1, yi, f"{a:.1f}%", va="center", fontsize=8)
    ax.axvline(10, color="red", linestyle="--", linewidth=1, label="chance (10%)")
    ax.set_yticks(y)
    ax.set_yticklabels([r["label"] for r in rs], fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("test accuracy (%)")
    ax.set_title(f"Same CNN trained and tested on digits.png as Shroud encrypts them (seed {report['setting']['seed']})", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "learning.png"), dpi=100)
    plt.close(fig)
    # One digit per class (rows) as each method shows it (columns), enlarged 3x.
    cols = [cv2.resize(np.concatenate(list(examples[r["method"]]), axis=0), None, fx=3, fy=3,
                       interpolation=cv2.INTER_NEAREST) for r in rs if r["method"] in examples]
    sep = np.full((cols[0].shape[0], 6, 3), 255, np.uint8)
    grid = np.concatenate([c for col in cols for c in (col, sep)][:-1], axis=1)
    cv2.imwrite(os.path.join(outdir, "learning_examples.png"), grid)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--per-class", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--methods", default=",".join(DEFAULT_METHODS))
    ap.add_argument("--digits", default=DIGITS)
    a = ap.parse_args()
    methods = [m for m in a.methods.split(",") if m]
    bad = [m for m in methods if m not in METHODS]
    if bad or not 1 <= a.per_class <= 500 or a.epochs < 1 or a.threads < 1:
        raise SystemExit(f"bad arguments (unknown methods {bad}? per-class 1..500, epochs >= 1)" if bad else "bad arguments")
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    report, examples = run(methods, a.per_class, a.epochs, a.seed, a.threads, a.digits)
    report["setting"]["seconds"] = round(time.time() - t0, 1)
    report["setting"]["command"] = " ".join(["scripts/learning_experiment.py"] + sys.argv[1:])
    with open(os.path.join(a.out, "learning.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(a.out, "learning.md"), "w") as f:
        f.write(markdown(report))
    plot(report, examples, a.out)
    print(f"wrote {a.out}/learning.md, learning.json, learning.png, learning_examples.png ({report['setting']['seconds']} s)")


if __name__ == "__main__":
    main()
