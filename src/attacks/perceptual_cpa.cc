// P1: two chosen images recover an equivalent key of the Ahmad-Shin scheme.
//
// The keystream S, the bit key K_c and the shuffle K_s do not depend on the image. Encrypting the
// all-zero image gives C0[j] = m[perm[j]] (m = S where K_c = 1, else 0); encrypting the image
// with (1, 2, 4) in every pixel gives C1[j] = (1, 2, 4)[perm[j]] XOR m[perm[j]]. So
// C0 XOR C1 names the source channel of every cipher sample (K_s) and C0 is the mask: fresh images
// decrypt exactly, P[perm[j]] = C[j] XOR m[perm[j]]. Cost: two encryptions and one pass.
// Against the seal the same two queries give random bytes: no permutation is found and the
// "decrypted" fresh images are no better than chance.
#include <opencv2/core.hpp>

#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"

namespace shroud::attacks {

Result<AttackResult> perceptual_cpa(const AttackOptions& o) {
  const int side = pe_image_side(o, 64);
  const cv::Size size(side, side);
  const int fresh_count = o.trials > 0 ? o.trials : 3;
  SHROUD_ASSIGN_OR_RETURN(PeOracle oracle, make_pe_oracle(o.scheme));
  SHROUD_ASSIGN_OR_RETURN(PeImages fresh, pe_images(o, fresh_count, size));

  SHROUD_ASSIGN_OR_RETURN(cv::Mat c0, oracle.encrypt(cv::Mat(size, CV_8UC3, cv::Scalar::all(0))));
  SHROUD_ASSIGN_OR_RETURN(cv::Mat c1, oracle.encrypt(cv::Mat(size, CV_8UC3, cv::Scalar(1, 2, 4))));
  EquivalentKey key{cv::Mat(size, CV_8UC3, cv::Scalar::all(0)), cv::Mat(size, CV_8UC3, cv::Scalar::all(0))};
  std::int64_t resolved = 0;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const auto& a = c0.at<cv::Vec3b>(y, x);
      const auto& b = c1.at<cv::Vec3b>(y, x);
      auto& p = key.perm.at<cv::Vec3b>(y, x);
      auto& m = key.mask.at<cv::Vec3b>(y, x);
      int seen = 0;
      for (int j = 0; j < 3; ++j) {
        const int d = a[j] ^ b[j];
        const int src = d == 1 ? 0 : d == 2 ? 1 : d == 4 ? 2 : -1;
        p[j] = static_cast<std::uint8_t>(src >= 0 ? src : j);   // unresolved: guess the identity
        m[p[j]] = a[j];
        if (src >= 0) seen |= 1 << src;
      }
      resolved += seen == 7;
    }
  }

  nlohmann::json per = nlohmann::json::array();
  double exact_sum = 0;
  for (std::size_t i = 0; i < fresh.images.size(); ++i) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat c, oracle.encrypt(fresh.images[i]));
    const cv::Mat guess = decrypt_equivalent(c, key);
    const double exact = exact_pixel_fraction(guess, fresh.images[i]);
    per.push_back({{"image", fresh.names[i]}, {"pixels_exact", exact}, {"samples_exact", exact_sample_fraction(guess, fresh.images[i])},
                   {"psnr", cv::PSNR(guess, fresh.images[i])}});
    exact_sum += exact;
  }
  const double n = static_cast<double>(fresh.images.size());
  AttackResult r;
  r.success = exact_sum / n;
  r.detail = {{"chosen_images", 2},
              {"image_size", {side, side}},
              {"pixels_resolved", static_cast<double>(resolved) / size.area()},
              {"fresh_images", per},
              {"chance_pixel", 1.0 / 16777216.0}};
  if (oracle.truth) {
    // The equivalent key equals the real (K_c AND S, K_s) wherever it is defined.
    const EquivalentKey truth = oracle.truth(size);
    r.detail["equivalent_mask_matches"] = mask_agreement(key, truth);
    r.detail["ks_matches"] = perm_agreement(key, truth);
  }
  char line[200];
  std::snprintf(line, sizeof line, "two chosen images: %.1f%% of pixels' keys resolved; fresh images decrypted exactly: %.2f%% of pixels",
                100.0 * static_cast<double>(resolved) / size.area(), 100.0 * r.success);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
