// M6: statistics that survive MSAI. Block scrambling only moves blocks, so the scrambled frame
// has exactly the original's histogram and entropy, and every 8x8 block (with its texture) is
// intact; msai's membrane changes only the sensitive area. The attack turns this into a concrete
// inference: given the protected frame and a gallery of N candidate originals, pick the candidate
// whose colour histogram is closest (L1). Success is the identification accuracy above chance,
// (accuracy - 1/N) / (1 - 1/N). The detail also reports histogram/entropy/adjacent-pixel
// correlation of the protected frame against the original, the share of intact blocks and, for
// a membrane reused across two frames (a misuse msai.h forbids), how well equal outputs reveal
// which pixels did not change.
//
// Against the seal (whole frame sealed, fill placeholder) the histogram is that of a constant
// image; identification falls to chance and reusing the keyset across frames reveals nothing.
#include <opencv2/imgproc.hpp>

#include <bit>
#include <cmath>
#include <set>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "shroud/schemes/block_scramble.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"

namespace shroud::attacks {
namespace {

std::vector<double> histogram(const cv::Mat& img) {
  std::vector<double> h(256 * 3, 0.0);
  const auto* p = img.ptr<std::uint8_t>();
  const std::size_t n = img.total() * 3;
  for (std::size_t i = 0; i < n; ++i) h[(i % 3) * 256 + p[i]] += 1.0;
  for (auto& x : h) x /= static_cast<double>(img.total());
  return h;
}

double l1(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return s;
}

double entropy(const cv::Mat& img) {
  std::vector<std::size_t> h(256, 0);
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
  for (auto it = gray.begin<std::uint8_t>(); it != gray.end<std::uint8_t>(); ++it) ++h[*it];
  double e = 0;
  for (std::size_t count : h) {
    const double p = static_cast<double>(count) / static_cast<double>(gray.total());
    if (count > 0) e -= p * std::log2(p);
  }
  return e;
}

double horizontal_correlation(const cv::Mat& img) {
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
  for (int y = 0; y < gray.rows; ++y)
    for (int x = 0; x + 1 < gray.cols; ++x) {
      const double a = gray.at<std::uint8_t>(y, x), b = gray.at<std::uint8_t>(y, x + 1);
      sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b, n += 1;
    }
  const double cov = sxy / n - sx / n * sy / n, va = sxx / n - sx / n * sx / n, vb = syy / n - sy / n * sy / n;
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : 0.0;
}

// Share of the protected frame's 8x8 blocks that appear unchanged somewhere in the original.
double intact_blocks(const cv::Mat& protected_img, const cv::Mat& original) {
  auto bytes = [](const cv::Mat& m, int x, int y) {
    std::string s;
    for (int r = 0; r < 8; ++r) s.append(m.ptr<char>(y + r) + x * 3, 24);
    return s;
  };
  std::set<std::string> blocks;
  for (int y = 0; y + 8 <= original.rows; y += 8)
    for (int x = 0; x + 8 <= original.cols; x += 8) blocks.insert(bytes(original, x, y));
  int found = 0, total = 0;
  for (int y = 0; y + 8 <= protected_img.rows; y += 8)
    for (int x = 0; x + 8 <= protected_img.cols; x += 8, ++total) found += blocks.count(bytes(protected_img, x, y)) > 0;
  return total ? static_cast<double>(found) / total : 0.0;
}

Result<cv::Mat> protect(const cv::Mat& img, const std::string& scheme) {
  if (scheme == "block-scramble") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_scramble_key());
    SHROUD_ASSIGN_OR_RETURN(auto s, schemes::block_scramble(img, key, {}));
    return s.image;
  }
  if (scheme == "seal") {
    SHROUD_ASSIGN_OR_RETURN(auto t, msai::seal_target(img, {cv::Rect(0, 0, img.cols, img.rows)}));
    return t.visible;
  }
  SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, msai::central_area(img.size(), 0.4),
                                                    scheme == "msai-paper" ? schemes::MsaiScheme::kPaper
                                                                           : schemes::MsaiScheme::kLossless));
  return v.out.visible;
}

// Two frames that differ in one rectangle, protected with ONE membrane / keyset: how well the
// attacker's map "unchanged where the outputs are equal" finds the unchanged samples (1: exactly,
// 0: no better than a guess).
Result<double> reuse_change_map(const cv::Mat& img, const std::string& scheme) {
  const cv::Rect area = msai::central_area(img.size(), 0.4);
  const cv::Mat a = img(area).clone();
  cv::Mat b = a.clone();
  cv::Mat part = b(cv::Rect(0, 0, std::max(1, a.cols / 2), std::max(1, a.rows / 2)));
  cv::add(part, cv::Scalar::all(1), part);
  std::vector<std::uint64_t> ca, cb;
  if (scheme == "seal") {
    SHROUD_ASSIGN_OR_RETURN(auto ta, msai::seal_target(a, {cv::Rect(0, 0, a.cols, a.rows)}));
    SHROUD_ASSIGN_OR_RETURN(auto tb, msai::seal_again(ta, b, {cv::Rect(0, 0, b.cols, b.rows)}));
    for (auto x : msai::region_ciphertext(ta, 0)) ca.push_back(x);
    for (auto x : msai::region_ciphertext(tb, 0)) cb.push_back(x);
  } else if (scheme == "msai-paper") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::msai_paper_generate_key());
    SHROUD_ASSIGN_OR_RETURN(auto lambda, schemes::msai_paper_membrane(key, a.total() * 3));
    SHROUD_ASSIGN_OR_RETURN(auto fa, schemes::msai_paper_mask(a, lambda, a.rows, a.cols));
    SHROUD_ASSIGN_OR_RETURN(auto fb, schemes::msai_paper_mask(b, lambda, b.rows, b.cols));
    for (float f : fa) ca.push_back(std::bit_cast<std::uint32_t>(f));
    for (float f : fb) cb.push_back(std::bit_cast<std::uint32_t>(f));
  } else {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::msai_l_generate_key());
    SHROUD_ASSIGN_OR_RETURN(auto lambda, schemes::msai_l_membrane(key, a.total() * 3));
    SHROUD_ASSIGN_OR_RETURN(ca, schemes::msai_l_mask(a, lambda, a.rows, a.cols));
    SHROUD_ASSIGN_OR_RETURN(cb, schemes::msai_l_mask(b, lambda, b.rows, b.cols));
  }
  // Youden's J of the map "equal output => unchanged pixel": true-positive minus false-positive rate.
  double same = 0, same_hit = 0, diff = 0, diff_hit = 0;
  const auto* pa = a.ptr<std::uint8_t>();
  const auto* pb = b.ptr<std::uint8_t>();
  for (std::size_t i = 0; i < ca.size() && i < cb.size(); ++i) {
    const bool eq = ca[i] == cb[i];
    if (pa[i] == pb[i]) {
      same += 1, same_hit += eq;
    } else {
      diff += 1, diff_hit += eq;
    }
  }
  return (same > 0 ? same_hit / same : 0.0) - (diff > 0 ? diff_hit / diff : 0.0);
}

}  // namespace

Result<AttackResult> msai_stats(const AttackOptions& o) {
  const std::size_t n = static_cast<std::size_t>(std::max(2.0, o.params.value("gallery", 6.0)));
  SHROUD_ASSIGN_OR_RETURN(auto gallery, msai::load_images(o, n, 0));
  if (gallery.size() < 2) gallery.push_back(msai::generated_image(160, 120, o.seed));
  const cv::Size size(static_cast<int>(o.params.value("width", 160.0)), static_cast<int>(o.params.value("height", 120.0)));
  for (auto& g : gallery) cv::resize(g, g, size, 0, 0, cv::INTER_AREA);
  std::vector<std::vector<double>> hists;
  for (const auto& g : gallery) hists.push_back(histogram(g));
  const auto start = std::chrono::steady_clock::now();
  int correct = 0;
  double attack_seconds = 0;
  cv::Mat first_protected;
  for (std::size_t t = 0; t < gallery.size(); ++t) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat seen, protect(gallery[t], o.scheme));
    if (t == 0) first_protected = seen;
    const auto t0 = std::chrono::steady_clock::now();
    const auto h = histogram(seen);
    std::size_t best = 0;
    for (std::size_t c = 1; c < gallery.size(); ++c)
      if (l1(h, hists[c]) < l1(h, hists[best])) best = c;
    attack_seconds += msai::seconds_since(t0);
    correct += best == t;
  }
  const double accuracy = static_cast<double>(correct) / gallery.size(), chance = 1.0 / gallery.size();
  SHROUD_ASSIGN_OR_RETURN(double reuse, reuse_change_map(gallery[0], o.scheme));
  const cv::Mat& orig = gallery[0];
  AttackResult r;
  r.success = msai::above_chance(accuracy, chance);
  r.detail = {{"gallery", gallery.size()},
              {"identified", correct},
              {"accuracy", accuracy},
              {"chance", chance},
              {"histogram_l1_distance", l1(histogram(first_protected), hists[0])},
              {"entropy_original", entropy(orig)},
              {"entropy_protected", entropy(first_protected)},
              {"correlation_h_original", horizontal_correlation(orig)},
              {"correlation_h_protected", horizontal_correlation(first_protected)},
              {"intact_8x8_blocks", intact_blocks(first_protected, orig)},
              {"reused_key_change_map_advantage", reuse},
              {"attack_seconds", attack_seconds},
              {"seconds", msai::seconds_since(start)},
              {"success_definition", "histogram identification accuracy among the gallery, above chance"}};
  char line[300];
  std::snprintf(line, sizeof line,
                "histogram alone identified %d of %zu protected frames (chance %.0f%%); %.0f%% of 8x8 blocks intact; "
                "histogram L1 distance %.3f",
                correct, gallery.size(), 100 * chance, 100 * r.detail["intact_8x8_blocks"].get<double>(),
                r.detail["histogram_l1_distance"].get<double>());
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
