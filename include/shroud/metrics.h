// Image metrics used by the papers (docs/metrics.md has the definitions and how they were checked).
//
//   fidelity          MSE, PSNR, SSIM                      (scikit-image definitions)
//   cipher statistics NPCR, UACI, histogram, chi-square uniformity, Shannon entropy,
//                     adjacent-pixel correlation (horizontal, vertical, diagonal)
//   utility           L0 (pixels changed), L2, ALD_p (p = 2, infinity), dHash distance
//
// Contract: images are 8- or 16-bit unsigned with 1 to 4 channels; every channel counts (alpha
// included). Pair metrics need two images of the same size and type (kInvalidArgument names both
// shapes otherwise). The peak value is 255 for 8-bit and 65535 for 16-bit images. Nothing throws;
// results are plain numbers. Functions are thread-safe (no global state).
//
// Matching scikit-image: ssim() equals skimage.metrics.structural_similarity(a, b,
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=peak,
// channel_axis=-1) (the mean over channels of the mean SSIM map without the 5-pixel border), and
// psnr() equals peak_signal_noise_ratio(a, b, data_range=peak) (MSE over all channels).
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "shroud/result.h"

namespace shroud {

// kUnsupported unless `image` is non-empty, 8U/16U and has 1-4 channels.
Status check_metric_image(const cv::Mat& image);
// Both valid and of the same size and type; kInvalidArgument otherwise.
Status check_comparable(const cv::Mat& a, const cv::Mat& b);
// 255 for 8-bit, 65535 for 16-bit.
double peak_value(const cv::Mat& image);

// ---- fidelity ------------------------------------------------------------------------------
// Mean squared error over every sample (pixel x channel), and per channel.
Result<double> mse(const cv::Mat& a, const cv::Mat& b);
Result<std::vector<double>> mse_per_channel(const cv::Mat& a, const cv::Mat& b);
// PSNR = 10 log10(peak^2 / MSE) in dB; +infinity when MSE = 0.
double psnr_from_mse(double mse, double peak);
Result<double> psnr(const cv::Mat& a, const cv::Mat& b);
Result<std::vector<double>> psnr_per_channel(const cv::Mat& a, const cv::Mat& b);

// SSIM (Wang et al. 2004): 11x11 Gaussian window (sigma 1.5, truncated at 3.5 sigma), K1 = 0.01,
// K2 = 0.03, population covariances, mean of the SSIM map over pixels at least 5 from the border.
// Both sides must be at least 11 pixels (kInvalidArgument otherwise).
inline constexpr int kSsimWindow = 11;
Result<double> ssim(const cv::Mat& a, const cv::Mat& b);
Result<std::vector<double>> ssim_per_channel(const cv::Mat& a, const cv::Mat& b);

// ---- cipher-image statistics -----------------------------------------------------------------
// NPCR: fraction of samples that differ, in [0, 1] (99.6094% for independent uniform 8-bit images).
Result<double> npcr(const cv::Mat& a, const cv::Mat& b);
// UACI: mean |a - b| / peak over every sample, in [0, 1] (33.4635% for independent uniform 8-bit).
Result<double> uaci(const cv::Mat& a, const cv::Mat& b);

// Counts per channel; 8-bit: 256 bins of one level, 16-bit: `bins` bins of 65536 / bins levels.
// `bins` must divide the level count (256: 1..256; 16-bit: 1..65536).
Result<std::vector<std::vector<std::int64_t>>> histograms(const cv::Mat& image, int bins = 256);

// Shannon entropy in bits of the sample values pooled over all channels (the maximum is 8 for
// 8-bit images), as skimage.measure.shannon_entropy; and of each channel.
Result<double> entropy(const cv::Mat& image);
Result<std::vector<double>> entropy_per_channel(const cv::Mat& image);

// Chi-square test of a channel's 256-bin histogram against the uniform distribution (255 degrees
// of freedom; the channel passes at the 5% level when statistic < 293.2478).
struct ChiSquare {
  double statistic = 0.0;
  int degrees_of_freedom = 255;
  double critical_5 = 293.2478;   // chi-square quantile 0.95 for 255 degrees of freedom
  bool uniform() const { return statistic < critical_5; }
};
Result<std::vector<ChiSquare>> chi_square_uniformity(const cv::Mat& image);

enum class Adjacency { kHorizontal, kVertical, kDiagonal };  // (x+1, y), (x, y+1), (x+1, y+1)
const char* adjacency_name(Adjacency direction);
// Pearson correlation of every pixel with its neighbour in `direction`, per channel (all pairs,
// no sampling). NaN when one of the two series is constant.
Result<std::vector<double>> adjacent_correlation(const cv::Mat& image, Adjacency direction);

// ---- utility (GAN+DP paper, Tables 1 and 2) -------------------------------------------------
// L0: number of pixel positions where any channel differs.
Result<std::int64_t> l0_changed_pixels(const cv::Mat& a, const cv::Mat& b);
// L2: Euclidean norm of (a - b) over every sample, in pixel-value units.
Result<double> l2_distance(const cv::Mat& a, const cv::Mat& b);
// ALD_p = ||b - a||_p / ||a||_p with `a` the original (0 when both are all-zero, +infinity when
// only `a` is). `p` is 2 or infinity (std::numeric_limits<double>::infinity()); others are
// kInvalidArgument.
Result<double> ald(const cv::Mat& original, const cv::Mat& altered, double p);

// 64-bit difference hash: grey, resized to 9x8 with area averaging, bit (r * 8 + c) set when
// pixel (r, c + 1) is brighter than (r, c) (the imagehash.dhash layout).
Result<std::uint64_t> dhash(const cv::Mat& image);
int hamming_distance(std::uint64_t a, std::uint64_t b);
Result<int> dhash_distance(const cv::Mat& a, const cv::Mat& b);

// ---- everything at once (shroud metrics) ----------------------------------------------------
struct PairMetrics {
  int width = 0, height = 0, channels = 0, bit_depth = 8;
  double mse = 0.0;
  std::vector<double> mse_channels;
  double psnr = 0.0;                  // +inf when identical
  std::vector<double> psnr_channels;
  double ssim = 1.0;                  // NaN when the image is smaller than the SSIM window
  std::vector<double> ssim_channels;
  double npcr = 0.0, uaci = 0.0;      // fractions
  std::int64_t l0 = 0;
  double l2 = 0.0, ald_2 = 0.0, ald_inf = 0.0;
  int dhash = 0;                      // Hamming distance of the 64-bit hashes
  double entropy_a = 0.0, entropy_b = 0.0;
  std::vector<double> entropy_a_channels, entropy_b_channels;
  // correlation_*[direction][channel], direction in Adjacency order
  std::array<std::vector<double>, 3> correlation_a, correlation_b;
  std::vector<ChiSquare> chi_square_a, chi_square_b;
};

// Computes every metric of `a` (the original) against `b`, restricted to `region` when given
// (the region must lie inside the image: kInvalidArgument otherwise). A region smaller than the
// SSIM window gives ssim = NaN rather than an error.
Result<PairMetrics> compare_images(const cv::Mat& a, const cv::Mat& b,
                                   const std::optional<cv::Rect>& region = std::nullopt);

// JSON object with the keys mse, psnr, ssim, npcr, uaci, l0, l2, ald_2, ald_inf, dhash,
// entropy_a, entropy_b (numbers; psnr is the string "inf" when infinite; NaN is null), plus
// per-channel arrays (*_channels), correlation_a/b {horizontal, vertical, diagonal} and
// chi_square_a/b.
nlohmann::json metrics_to_json(const PairMetrics& m);

}  // namespace shroud
