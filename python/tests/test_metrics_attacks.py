"""shroud.metrics against scikit-image / closed forms, shroud.attack(), and the CLI's answers."""
import json
import math
import os
import subprocess

import numpy as np
import pytest

import shroud
import shroud.metrics


def pair(shape=(64, 80, 3), dtype=np.uint8, seed=2):
    rng = np.random.default_rng(seed)
    peak = np.iinfo(dtype).max
    a = rng.integers(0, peak + 1, size=shape, dtype=dtype)
    b = np.clip(a.astype(np.int64) + rng.integers(-20, 21, size=shape), 0, peak).astype(dtype)
    return a, b


def test_psnr_mse_closed_form():
    a, b = pair()
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    assert shroud.metrics.mse(a, b) == pytest.approx(mse, rel=1e-12)
    assert shroud.metrics.psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / mse), rel=1e-12)
    assert shroud.metrics.psnr(a, a) == math.inf
    assert shroud.metrics.ssim(a, a) == pytest.approx(1.0)
    assert shroud.metrics.npcr(a, a) == 0.0
    assert shroud.metrics.npcr(a, b) == pytest.approx(np.mean(a != b))
    assert shroud.metrics.uaci(a, b) == pytest.approx(np.mean(np.abs(a.astype(np.int64) - b)) / 255)
    assert shroud.metrics.dhash_distance(a, a) == 0
    gray = np.repeat(np.arange(256, dtype=np.uint8)[np.newaxis], 4, axis=0)
    assert shroud.metrics.entropy(gray) == pytest.approx(8.0)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_ssim_psnr_match_scikit_image(dtype):
    skm = pytest.importorskip("skimage.metrics")
    a, b = pair(dtype=dtype)
    peak = np.iinfo(dtype).max
    expected = skm.structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                         data_range=peak, channel_axis=-1)
    # The tolerance docs/metrics.md states for SSIM (Gaussian filter float rounding).
    assert shroud.metrics.ssim(a, b) == pytest.approx(expected, abs=1e-4)
    assert shroud.metrics.psnr(a, b) == pytest.approx(skm.peak_signal_noise_ratio(a, b, data_range=peak), abs=1e-6)


def test_compare_dict():
    a, b = pair()
    m = shroud.metrics.compare(a, b)
    assert m["psnr"] == pytest.approx(shroud.metrics.psnr(a, b))
    assert m["ssim"] == pytest.approx(shroud.metrics.ssim(a, b))
    assert len(m["psnr_channels"]) == 3
    assert shroud.metrics.compare(a, a)["psnr"] == "inf"
    region = shroud.metrics.compare(a, b, region=(0, 0, 20, 20))
    assert region["mse"] == pytest.approx(shroud.metrics.mse(a[:20, :20], b[:20, :20]))


def test_metric_errors():
    a, b = pair()
    with pytest.raises(shroud.InvalidArgumentError):
        shroud.metrics.psnr(a, b[:, :10])
    with pytest.raises(TypeError, match="dtype"):
        shroud.metrics.psnr(a.astype(np.float32), b.astype(np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        shroud.metrics.ssim(a[:, ::2], b[:, ::2])
    with pytest.raises(shroud.InvalidArgumentError):
        shroud.metrics.ssim(a[:5, :5], b[:5, :5])  # smaller than the window
    with pytest.raises(shroud.InvalidArgumentError):
        shroud.metrics.compare(a, b, region=(70, 0, 20, 20))
    # Read-only arrays are fine for metrics.
    a.flags.writeable = False
    assert shroud.metrics.mse(a, a) == 0.0


def test_attacks_registry_and_run():
    names = [a["name"] for a in shroud.attacks()]
    assert "perceptual-cpa" in names
    info = next(a for a in shroud.attacks() if a["name"] == "perceptual-cpa")
    assert info["code"] and info["schemes"]
    paper = shroud.attack("perceptual-cpa")
    assert paper["attack"] == "perceptual-cpa"
    assert paper["success"] == 1.0  # the paper's scheme falls
    seal = shroud.attack("perceptual-cpa", scheme="seal")
    assert seal["scheme"] == "seal"
    assert seal["success"] < 0.01  # the secure default does not
    with pytest.raises(shroud.Error):
        shroud.attack("no-such-attack")
    with pytest.raises(shroud.Error):
        shroud.attack("perceptual-cpa", scheme="no-such-scheme")


def test_attack_matches_cli():
    cli = os.environ.get("SHROUD_BIN")
    if not cli or not os.path.exists(cli):
        pytest.skip("SHROUD_BIN (the CLI) not set")
    out = subprocess.run([cli, "attack", "msai-known-pixel", "--json"], check=True, capture_output=True, text=True)
    expected = json.loads(out.stdout)
    got = shroud.attack("msai-known-pixel")
    assert got["success"] == expected["success"]
    assert got["attack"] == expected["attack"] and got["scheme"] == expected["scheme"]
