// Metrics of the difference a - b: MSE, PSNR, NPCR, UACI, L0, L2, ALD_p. Built from OpenCV's
// vectorised primitives (absdiff, norm, sum, countNonZero), which are exact here: 8- and 16-bit
// differences and their squares are integers, accumulated in integers or doubles.
#include <opencv2/core.hpp>

#include <cmath>
#include <limits>

#include "metrics/internal.h"
#include "shroud/metrics.h"

namespace shroud {
namespace {

double samples(const cv::Mat& m) { return static_cast<double>(m.total()) * m.channels(); }

double ratio(double num, double den) {
  if (den == 0.0) return num == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return num / den;
}

// Runs `fn` and turns an OpenCV exception into kInternal.
template <typename Fn>
auto guarded(const char* what, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string(what) + ": " + e.what());
  }
}

std::vector<double> squared_per_channel(const cv::Mat& diff) {
  std::vector<cv::Mat> planes;
  cv::split(diff, planes);
  std::vector<double> out;
  for (const auto& p : planes) out.push_back(cv::norm(p, cv::NORM_L2SQR));
  return out;
}

std::int64_t changed_pixels(const cv::Mat& diff) {
  if (diff.channels() == 1) return cv::countNonZero(diff);
  std::vector<cv::Mat> planes;
  cv::split(diff, planes);
  cv::Mat any = planes[0];
  for (std::size_t i = 1; i < planes.size(); ++i) cv::bitwise_or(any, planes[i], any);
  return cv::countNonZero(any);
}

std::int64_t differing_samples(const cv::Mat& diff) { return cv::countNonZero(diff.reshape(1)); }

double sum_all(const cv::Mat& m) {
  const cv::Scalar s = cv::sum(m);
  return s[0] + s[1] + s[2] + s[3];
}

}  // namespace

Result<double> mse(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("MSE", [&]() -> Result<double> { return cv::norm(a, b, cv::NORM_L2SQR) / samples(a); });
}

Result<std::vector<double>> mse_per_channel(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("MSE", [&]() -> Result<std::vector<double>> {
    cv::Mat d;
    cv::absdiff(a, b, d);
    auto sq = squared_per_channel(d);
    for (double& v : sq) v /= static_cast<double>(a.total());
    return sq;
  });
}

double psnr_from_mse(double mse_value, double peak) {
  if (mse_value <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(peak * peak / mse_value);
}

Result<double> psnr(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_ASSIGN_OR_RETURN(double m, mse(a, b));
  return psnr_from_mse(m, peak_value(a));
}

Result<std::vector<double>> psnr_per_channel(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_ASSIGN_OR_RETURN(auto m, mse_per_channel(a, b));
  for (double& v : m) v = psnr_from_mse(v, peak_value(a));
  return m;
}

Result<double> npcr(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("NPCR", [&]() -> Result<double> {
    cv::Mat d;
    cv::absdiff(a, b, d);
    return static_cast<double>(differing_samples(d)) / samples(a);
  });
}

Result<double> uaci(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("UACI", [&]() -> Result<double> {
    return cv::norm(a, b, cv::NORM_L1) / (samples(a) * peak_value(a));
  });
}

Result<std::int64_t> l0_changed_pixels(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("L0", [&]() -> Result<std::int64_t> {
    cv::Mat d;
    cv::absdiff(a, b, d);
    return changed_pixels(d);
  });
}

Result<double> l2_distance(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("L2", [&]() -> Result<double> { return std::sqrt(cv::norm(a, b, cv::NORM_L2SQR)); });
}

Result<double> ald(const cv::Mat& original, const cv::Mat& altered, double p) {
  const bool inf = std::isinf(p) && p > 0;
  if (!inf && p != 2.0) return make_error(ErrorCode::kInvalidArgument, "ALD_p supports p = 2 and infinity");
  SHROUD_RETURN_IF_ERROR(check_comparable(original, altered));
  return guarded("ALD", [&]() -> Result<double> {
    if (inf) return ratio(cv::norm(original, altered, cv::NORM_INF), cv::norm(original, cv::NORM_INF));
    return ratio(std::sqrt(cv::norm(original, altered, cv::NORM_L2SQR)), std::sqrt(cv::norm(original, cv::NORM_L2SQR)));
  });
}

Result<DifferenceMetrics> difference_metrics(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  return guarded("metrics", [&]() -> Result<DifferenceMetrics> {
    cv::Mat d;
    cv::absdiff(a, b, d);
    DifferenceMetrics m;
    const std::vector<double> sq = squared_per_channel(d);
    double total_sq = 0.0;
    for (double v : sq) {
      m.mse_channels.push_back(v / static_cast<double>(a.total()));
      total_sq += v;
    }
    m.mse = total_sq / samples(a);
    m.npcr = static_cast<double>(differing_samples(d)) / samples(a);
    m.uaci = sum_all(d) / (samples(a) * peak_value(a));
    m.l0 = changed_pixels(d);
    m.l2 = std::sqrt(total_sq);
    m.ald_2 = ratio(m.l2, std::sqrt(cv::norm(a, cv::NORM_L2SQR)));
    m.ald_inf = ratio(cv::norm(d, cv::NORM_INF), cv::norm(a, cv::NORM_INF));
    return m;
  });
}

}  // namespace shroud
