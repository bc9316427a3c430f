// compare_images(): every metric of a pair (shroud metrics), and its JSON form.
#include <cmath>
#include <limits>

#include "metrics/internal.h"
#include "shroud/metrics.h"

namespace shroud {

Result<PairMetrics> compare_images(const cv::Mat& a_full, const cv::Mat& b_full,
                                   const std::optional<cv::Rect>& region) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a_full, b_full));
  cv::Mat a = a_full, b = b_full;
  if (region) {
    const cv::Rect r = *region;
    const cv::Rect bounds(0, 0, a.cols, a.rows);
    if (r.width <= 0 || r.height <= 0 || (r & bounds) != r) {
      return make_error(ErrorCode::kInvalidArgument,
                        "region " + std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) +
                            "," + std::to_string(r.height) + " is empty or not inside the " +
                            std::to_string(a.cols) + "x" + std::to_string(a.rows) + " image");
    }
    a = a_full(r);
    b = b_full(r);
  }
  PairMetrics m;
  m.width = a.cols;
  m.height = a.rows;
  m.channels = a.channels();
  m.bit_depth = a.depth() == CV_16U ? 16 : 8;

  SHROUD_ASSIGN_OR_RETURN(DifferenceMetrics d, difference_metrics(a, b));
  m.mse = d.mse;
  m.mse_channels = d.mse_channels;
  m.psnr = psnr_from_mse(d.mse, peak_value(a));
  for (double v : d.mse_channels) m.psnr_channels.push_back(psnr_from_mse(v, peak_value(a)));
  m.npcr = d.npcr;
  m.uaci = d.uaci;
  m.l0 = d.l0;
  m.l2 = d.l2;
  m.ald_2 = d.ald_2;
  m.ald_inf = d.ald_inf;

  if (a.rows >= kSsimWindow && a.cols >= kSsimWindow) {
    SHROUD_ASSIGN_OR_RETURN(m.ssim_channels, ssim_per_channel(a, b));
    m.ssim = 0.0;
    for (double v : m.ssim_channels) m.ssim += v;
    m.ssim /= static_cast<double>(m.ssim_channels.size());
  } else {
    m.ssim = std::numeric_limits<double>::quiet_NaN();
  }
  SHROUD_ASSIGN_OR_RETURN(m.dhash, dhash_distance(a, b));

  const LevelCounts ca = level_counts(a), cb = level_counts(b);
  m.entropy_a = entropy_of_counts(ca.all);
  m.entropy_b = entropy_of_counts(cb.all);
  for (const auto& c : ca.channel) m.entropy_a_channels.push_back(entropy_of_counts(c));
  for (const auto& c : cb.channel) m.entropy_b_channels.push_back(entropy_of_counts(c));

  const Adjacency dirs[] = {Adjacency::kHorizontal, Adjacency::kVertical, Adjacency::kDiagonal};
  for (int i = 0; i < 3; ++i) {
    SHROUD_ASSIGN_OR_RETURN(m.correlation_a[i], adjacent_correlation(a, dirs[i]));
    SHROUD_ASSIGN_OR_RETURN(m.correlation_b[i], adjacent_correlation(b, dirs[i]));
  }
  m.chi_square_a = chi_square_of_counts(ca);
  m.chi_square_b = chi_square_of_counts(cb);
  return m;
}

namespace {

nlohmann::json number(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

nlohmann::json numbers(const std::vector<double>& v) {
  auto arr = nlohmann::json::array();
  for (double x : v) arr.push_back(number(x));
  return arr;
}

nlohmann::json correlations(const std::array<std::vector<double>, 3>& c) {
  nlohmann::json out = nlohmann::json::object();
  const Adjacency dirs[] = {Adjacency::kHorizontal, Adjacency::kVertical, Adjacency::kDiagonal};
  for (int i = 0; i < 3; ++i) out[adjacency_name(dirs[i])] = numbers(c[i]);
  return out;
}

nlohmann::json chi_squares(const std::vector<ChiSquare>& v) {
  auto arr = nlohmann::json::array();
  for (const auto& c : v) {
    arr.push_back({{"statistic", number(c.statistic)},
                   {"critical_5", c.critical_5},
                   {"uniform", c.uniform()}});
  }
  return arr;
}

}  // namespace

nlohmann::json metrics_to_json(const PairMetrics& m) {
  nlohmann::json j;
  j["width"] = m.width;
  j["height"] = m.height;
  j["channels"] = m.channels;
  j["bit_depth"] = m.bit_depth;
  j["mse"] = number(m.mse);
  j["psnr"] = number(m.psnr);
  j["ssim"] = number(m.ssim);
  j["npcr"] = number(m.npcr);
  j["uaci"] = number(m.uaci);
  j["l0"] = m.l0;
  j["l2"] = number(m.l2);
  j["ald_2"] = number(m.ald_2);
  j["ald_inf"] = number(m.ald_inf);
  j["dhash"] = m.dhash;
  j["entropy_a"] = number(m.entropy_a);
  j["entropy_b"] = number(m.entropy_b);
  j["mse_channels"] = numbers(m.mse_channels);
  j["psnr_channels"] = numbers(m.psnr_channels);
  j["ssim_channels"] = numbers(m.ssim_channels);
  j["entropy_a_channels"] = numbers(m.entropy_a_channels);
  j["entropy_b_channels"] = numbers(m.entropy_b_channels);
  j["correlation_a"] = correlations(m.correlation_a);
  j["correlation_b"] = correlations(m.correlation_b);
  j["chi_square_a"] = chi_squares(m.chi_square_a);
  j["chi_square_b"] = chi_squares(m.chi_square_b);
  return j;
}

}  // namespace shroud
