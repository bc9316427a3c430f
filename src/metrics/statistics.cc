// Statistics of one image: histograms, chi-square uniformity, entropy, adjacent-pixel correlation.
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics/internal.h"
#include "shroud/metrics.h"

namespace shroud {
namespace {

// 8-bit: each channel counted into a 32-bit table per row block (no 64-bit increments in the
// inner loop), flushed to the 64-bit totals.
void count_levels_8u(const cv::Mat& image, LevelCounts& out) {
  const int ch = image.channels();
  std::vector<std::uint32_t> t(256 * 4 * ch, 0);
  auto flush = [&] {
    for (int c = 0; c < ch; ++c)
      for (int i = 0; i < 256; ++i) {
        std::int64_t v = 0;
        for (int k = 0; k < 4; ++k) v += t[(c * 4 + k) * 256 + i];
        out.channel[c][i] += v;
      }
    std::fill(t.begin(), t.end(), 0u);
  };
  std::int64_t pending = 0;
  for (int y = 0; y < image.rows; ++y) {
    const std::uint8_t* p = image.ptr<std::uint8_t>(y);
    const int n = image.cols * ch;
    if (ch == 1) {
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        ++t[p[i]];
        ++t[256 + p[i + 1]];
        ++t[512 + p[i + 2]];
        ++t[768 + p[i + 3]];
      }
      for (; i < n; ++i) ++t[p[i]];
    } else {
      for (int i = 0, k = 0; i < n; i += ch, k = (k + 1) & 3) {
        for (int c = 0; c < ch; ++c) ++t[(c * 4 + k) * 256 + p[i + c]];
      }
    }
    pending += image.cols;
    if (pending > (1LL << 30)) {
      flush();
      pending = 0;
    }
  }
  flush();
}

template <typename T>
void count_levels(const cv::Mat& image, LevelCounts& out) {
  const int ch = image.channels();
  for (int y = 0; y < image.rows; ++y) {
    const T* p = image.ptr<T>(y);
    for (int x = 0; x < image.cols; ++x) {
      for (int c = 0; c < ch; ++c) ++out.channel[c][p[x * ch + c]];
    }
  }
}

}  // namespace

LevelCounts level_counts(const cv::Mat& image) {
  const int levels = image.depth() == CV_16U ? 65536 : 256;
  LevelCounts out;
  out.channel.assign(image.channels(), std::vector<std::int64_t>(levels, 0));
  if (image.depth() == CV_16U) count_levels<std::uint16_t>(image, out);
  else count_levels_8u(image, out);
  out.all.assign(levels, 0);
  for (const auto& ch : out.channel) {
    for (int i = 0; i < levels; ++i) out.all[i] += ch[i];
  }
  return out;
}

double entropy_of_counts(const std::vector<std::int64_t>& counts) {
  double n = 0.0;
  for (auto c : counts) n += static_cast<double>(c);
  if (n == 0.0) return 0.0;
  double h = 0.0;
  for (auto c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

Result<std::vector<std::vector<std::int64_t>>> histograms(const cv::Mat& image, int bins) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  const int levels = image.depth() == CV_16U ? 65536 : 256;
  if (bins < 1 || bins > levels || levels % bins != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "histogram bins must divide " + std::to_string(levels) + " (got " + std::to_string(bins) + ")");
  }
  const LevelCounts counts = level_counts(image);
  const int width = levels / bins;
  std::vector<std::vector<std::int64_t>> out(image.channels(), std::vector<std::int64_t>(bins, 0));
  for (int c = 0; c < image.channels(); ++c) {
    for (int i = 0; i < levels; ++i) out[c][i / width] += counts.channel[c][i];
  }
  return out;
}

Result<double> entropy(const cv::Mat& image) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  return entropy_of_counts(level_counts(image).all);
}

Result<std::vector<double>> entropy_per_channel(const cv::Mat& image) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  std::vector<double> out;
  for (const auto& ch : level_counts(image).channel) out.push_back(entropy_of_counts(ch));
  return out;
}

std::vector<ChiSquare> chi_square_of_counts(const LevelCounts& counts) {
  std::vector<ChiSquare> out;
  for (const auto& levels : counts.channel) {
    const int width = static_cast<int>(levels.size()) / 256;
    double n = 0.0;
    for (auto c : levels) n += static_cast<double>(c);
    const double expected = n / 256.0;
    ChiSquare cs;
    for (int bin = 0; bin < 256; ++bin) {
      std::int64_t o = 0;
      for (int i = 0; i < width; ++i) o += levels[bin * width + i];
      const double d = static_cast<double>(o) - expected;
      cs.statistic += d * d / expected;
    }
    out.push_back(cs);
  }
  return out;
}

Result<std::vector<ChiSquare>> chi_square_uniformity(const cv::Mat& image) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  return chi_square_of_counts(level_counts(image));
}

const char* adjacency_name(Adjacency direction) {
  switch (direction) {
    case Adjacency::kHorizontal: return "horizontal";
    case Adjacency::kVertical: return "vertical";
    case Adjacency::kDiagonal: return "diagonal";
  }
  return "unknown";
}

namespace {

// Pearson correlation of each channel with its (dx, dy) neighbour from five vectorised passes
// (sums, sums of squares, dot product); exact integer sums for 8- and 16-bit samples.
std::vector<double> correlation(const cv::Mat& image, int dx, int dy) {
  const int ch = image.channels();
  std::vector<double> out(ch, std::numeric_limits<double>::quiet_NaN());
  const int rows = image.rows - dy, cols = image.cols - dx;
  if (rows <= 0 || cols <= 0) return out;
  std::vector<cv::Mat> planes;
  cv::split(image, planes);
  const double n = static_cast<double>(rows) * cols;
  for (int c = 0; c < ch; ++c) {
    const cv::Mat p = planes[c](cv::Rect(0, 0, cols, rows));
    const cv::Mat q = planes[c](cv::Rect(dx, dy, cols, rows));
    const double sx = cv::sum(p)[0], sy = cv::sum(q)[0];
    const double sxx = cv::norm(p, cv::NORM_L2SQR), syy = cv::norm(q, cv::NORM_L2SQR);
    const double sxy = p.dot(q);
    const double cov = sxy / n - (sx / n) * (sy / n);
    const double vx = sxx / n - (sx / n) * (sx / n);
    const double vy = syy / n - (sy / n) * (sy / n);
    if (vx > 0 && vy > 0) out[c] = cov / std::sqrt(vx * vy);
  }
  return out;
}

}  // namespace

Result<std::vector<double>> adjacent_correlation(const cv::Mat& image, Adjacency direction) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  const int dx = direction == Adjacency::kVertical ? 0 : 1;
  const int dy = direction == Adjacency::kHorizontal ? 0 : 1;
  try {
    return correlation(image, dx, dy);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("correlation: ") + e.what());
  }
}

}  // namespace shroud
