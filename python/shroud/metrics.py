"""Image metrics on NumPy arrays (docs/metrics.md); see help(shroud._shroud.metrics).

uint8 or uint16 arrays HxW, HxWx3 or HxWx4, read in place without copying. ssim and psnr match
scikit-image (structural_similarity with gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=peak, channel_axis=-1; peak_signal_noise_ratio).
"""

from ._shroud import metrics as _m

mse = _m.mse
psnr = _m.psnr
ssim = _m.ssim
npcr = _m.npcr
uaci = _m.uaci
entropy = _m.entropy
dhash_distance = _m.dhash_distance
compare = _m.compare

__all__ = ["mse", "psnr", "ssim", "npcr", "uaci", "entropy", "dhash_distance", "compare"]
