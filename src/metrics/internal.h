// Internal to src/metrics: one-pass helpers used by compare_images().
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/result.h"

namespace shroud {

struct DifferenceMetrics {
  std::vector<double> mse_channels;
  double mse = 0, npcr = 0, uaci = 0, l2 = 0, ald_2 = 0, ald_inf = 0;
  std::int64_t l0 = 0;
};

// Every metric of a - b from one walk over the pixels (inputs already checked or not: checked).
Result<DifferenceMetrics> difference_metrics(const cv::Mat& a, const cv::Mat& b);

// Per-level counts of every sample pooled over channels (all_channels) and per channel;
// 256 levels for 8-bit, 65536 for 16-bit.
struct LevelCounts {
  std::vector<std::int64_t> all;
  std::vector<std::vector<std::int64_t>> channel;
};
LevelCounts level_counts(const cv::Mat& image);
double entropy_of_counts(const std::vector<std::int64_t>& counts);
// Chi-square uniformity of each channel over 256 bins.
struct ChiSquare;
std::vector<ChiSquare> chi_square_of_counts(const LevelCounts& counts);

}  // namespace shroud
