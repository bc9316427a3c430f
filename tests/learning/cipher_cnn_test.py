#!/usr/bin/python3
"""ctest learning.cipher_cnn: the learning-on-cipher-images experiment (scripts/learning_experiment.py,
docs/learning.md) on a small subset of digits.png, with the images encrypted by the real `shroud`
module. Exit 77 (skip) when torch, the module or digits.png is absent.

The thresholds come from the real run of this subset (60 digits per class, 8 epochs, seed 1:
plain 79.2%, pbe one key 60.8% and 10.0% under a second key, perceptual one key 66.7%, pbe a key
per image 17.5%, seal fill 10.0% exactly) with margins for other torch builds; they fail if encryption, the seal's
placeholder or the training broke:
- plain well above chance;
- pbe with ONE key for the set still learnable (the paper's claim: the CNN learns the key's fixed
  mapping), and clearly better than pbe with a fresh key per image on this small subset (what is
  left then is only what every key leaves, min(p, 255 - p) per sample, which 480 training images
  are too few to learn; on the full set it is learnt: docs/learning.md);
- the seal's fill placeholder exactly at chance: every image is the same constant, so the model
  predicts one class for all, 1 in 10 on the balanced test set.
"""
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "learning_experiment.py")


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def main():
    try:
        import torch  # noqa: F401
    except ImportError:
        skip("python3-torch is not installed (bash scripts/setup --all)")
    try:
        import shroud  # noqa: F401
    except ImportError as e:
        skip(f"the shroud module is not importable ({e}); PYTHONPATH=build/python")
    spec = importlib.util.spec_from_file_location("learning_experiment", SCRIPT)
    le = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(le)
    if not os.path.exists(le.DIGITS):
        skip(f"{le.DIGITS} is missing (Debian package opencv-doc)")

    t0 = time.time()
    methods = ["plain", "pbe", "pbe-other-key", "perceptual", "pbe-per-image", "seal-fill"]
    report, examples = le.run(methods, per_class=60, epochs=8, seed=1, threads=1)
    acc = {r["method"]: r["test_accuracy"] for r in report["results"]}
    print(acc, f"{time.time() - t0:.1f} s")
    s = report["setting"]
    assert (s["train"], s["test"]) == (480, 120), s

    # The ciphers really changed the pixels (Shroud encrypted them), and the floor is one constant image.
    plain_x = examples["plain"]
    for m in ("pbe", "perceptual", "pbe-per-image"):
        changed = (examples[m] != plain_x).mean()
        assert changed > 0.3, (m, changed)
    assert len({examples["seal-fill"][i].tobytes() for i in range(10)}) == 1, "fill placeholder differs per image"

    assert acc["plain"] >= 0.65, acc
    assert acc["pbe"] >= 0.40, acc
    assert acc["perceptual"] >= 0.40, acc
    assert acc["pbe-per-image"] <= 0.30, acc
    assert acc["pbe-other-key"] <= 0.25, acc   # the model learnt key A's mapping: useless under key B
    assert acc["pbe"] - acc["pbe-per-image"] >= 0.20, acc
    assert abs(acc["seal-fill"] - 0.10) < 1e-6, acc

    # The Markdown table (learning.md) names every method with its accuracy.
    md = le.markdown(report)
    for r in report["results"]:
        assert f"| {r['label']} | {100 * r['test_accuracy']:.1f}% |" in md, md
    print("OK")


if __name__ == "__main__":
    main()
