// P2: one chosen all-zero image reveals R+G+B of every new image under Ahmad-Shin.
//
// C0 = Enc(0) is the shuffled mask, C0[j] = m[perm[j]]. For a new cipher image C,
// C[j] XOR C0[j] = P[perm[j]]: every pixel's three values come back, only their order (K_s) stays
// unknown. So R+G+B (a grey image, 3x the mean) is recovered exactly, and every pixel whose
// channels are equal is recovered outright. success = share of pixels whose value multiset (and
// so R+G+B) is recovered exactly. Against the seal the XOR of two ciphertexts under fresh nonces
// is random: no better than chance.
#include <opencv2/core.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"

namespace shroud::attacks {

Result<AttackResult> perceptual_one_image(const AttackOptions& o) {
  const int side = pe_image_side(o, 64);
  const cv::Size size(side, side);
  const int fresh_count = o.trials > 0 ? o.trials : 3;
  SHROUD_ASSIGN_OR_RETURN(PeOracle oracle, make_pe_oracle(o.scheme));
  SHROUD_ASSIGN_OR_RETURN(PeImages fresh, pe_images(o, fresh_count, size));
  SHROUD_ASSIGN_OR_RETURN(cv::Mat c0, oracle.encrypt(cv::Mat(size, CV_8UC3, cv::Scalar::all(0))));

  nlohmann::json per = nlohmann::json::array();
  double multiset_sum = 0, rgb_sum = 0, exact_sum = 0;
  for (std::size_t i = 0; i < fresh.images.size(); ++i) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat c, oracle.encrypt(fresh.images[i]));
    cv::Mat shuffled;
    cv::bitwise_xor(c, c0, shuffled);  // P[perm[j]]
    const cv::Mat& p = fresh.images[i];
    std::int64_t multiset = 0, rgb = 0, exact = 0;
    cv::Mat grey_true(size, CV_16U), grey_rec(size, CV_16U);
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        const auto& a = shuffled.at<cv::Vec3b>(y, x);
        const auto& b = p.at<cv::Vec3b>(y, x);
        std::array<int, 3> sa{a[0], a[1], a[2]}, sb{b[0], b[1], b[2]};
        const int sum_a = sa[0] + sa[1] + sa[2], sum_b = sb[0] + sb[1] + sb[2];
        grey_rec.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(sum_a);
        grey_true.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(sum_b);
        rgb += sum_a == sum_b;
        exact += a == b;
        std::sort(sa.begin(), sa.end());
        std::sort(sb.begin(), sb.end());
        multiset += sa == sb;
      }
    }
    const double n = static_cast<double>(size.area());
    per.push_back({{"image", fresh.names[i]},
                   {"pixels_values_recovered", multiset / n},
                   {"pixels_rgb_sum_exact", rgb / n},
                   {"pixels_exact_in_shuffled_order", exact / n},
                   {"grey_psnr", cv::PSNR(grey_rec, grey_true, 765.0)}});
    multiset_sum += multiset / n;
    rgb_sum += rgb / n;
    exact_sum += exact / n;
  }
  const double n = static_cast<double>(fresh.images.size());
  AttackResult r;
  r.success = multiset_sum / n;
  r.detail = {{"chosen_images", 1},
              {"image_size", {side, side}},
              {"fresh_images", per},
              {"pixels_rgb_sum_exact", rgb_sum / n},
              {"pixels_exact_without_ks", exact_sum / n},
              {"chance_rgb_sum_at_most", 49152.0 / 16777216.0}};  // most likely sum of 3 random bytes
  char line[220];
  std::snprintf(line, sizeof line,
                "one chosen image: every pixel's three values recovered for %.2f%% of pixels (R+G+B exact: %.2f%%; "
                "fully exact without K_s: %.2f%%)",
                100.0 * r.success, 100.0 * rgb_sum / n, 100.0 * exact_sum / n);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
