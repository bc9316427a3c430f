// Statistics of one image: histograms, chi-square uniformity, entropy, adjacent-pixel correlation.
#include <cmath>
#include <limits>

#include "metrics/internal.h"
#include "shroud/metrics.h"

namespace shroud {
namespace {

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
  else count_levels<std::uint8_t>(image, out);
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

Result<std::vector<ChiSquare>> chi_square_uniformity(const cv::Mat& image) {
  SHROUD_ASSIGN_OR_RETURN(auto hist, histograms(image, 256));
  const double expected = static_cast<double>(image.total()) / 256.0;
  std::vector<ChiSquare> out;
  for (const auto& h : hist) {
    ChiSquare cs;
    for (auto o : h) {
      const double d = static_cast<double>(o) - expected;
      cs.statistic += d * d / expected;
    }
    out.push_back(cs);
  }
  return out;
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

template <typename T>
std::vector<double> correlation(const cv::Mat& image, int dx, int dy) {
  const int ch = image.channels();
  std::vector<double> out(ch, std::numeric_limits<double>::quiet_NaN());
  const int rows = image.rows - dy, cols = image.cols - dx;
  if (rows <= 0 || cols <= 0) return out;
  const double n = static_cast<double>(rows) * cols;
  for (int c = 0; c < ch; ++c) {
    // Integer sums per row are exact; rows are added in double.
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int y = 0; y < rows; ++y) {
      const T* p = image.ptr<T>(y);
      const T* q = image.ptr<T>(y + dy);
      std::int64_t rx = 0, ry = 0, rxx = 0, ryy = 0, rxy = 0;
      for (int x = 0; x < cols; ++x) {
        const std::int64_t u = p[x * ch + c], v = q[(x + dx) * ch + c];
        rx += u;
        ry += v;
        rxx += u * u;
        ryy += v * v;
        rxy += u * v;
      }
      sx += static_cast<double>(rx);
      sy += static_cast<double>(ry);
      sxx += static_cast<double>(rxx);
      syy += static_cast<double>(ryy);
      sxy += static_cast<double>(rxy);
    }
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
  return image.depth() == CV_16U ? correlation<std::uint16_t>(image, dx, dy)
                                 : correlation<std::uint8_t>(image, dx, dy);
}

}  // namespace shroud
