// P0: the PBE paper's own chosen-plaintext attack (its Algorithm 1) recovers the PBE key.
//
// Algorithm 1 as printed: encrypt the constant image E = a; K(x, y, C) = 1 exactly where the
// cipher sample is a XOR 255. That is the whole K_c when the channel shuffle is off
// (`pbe-noshuffle`, the paper's assumption). With the shuffle on, the paper says it "can be
// modified easily": one chosen image with a distinct value per channel, (1, 2, 4), where the six
// values v_c and v_c XOR 255 are all distinct, so each cipher sample names its source channel
// (K_s) and its key bit (K_c). One encryption query gives the whole key; fresh images then
// decrypt exactly. Against the seal the same two queries give nothing: the ciphertext of each
// image is under a fresh nonce, so the "key" read from it decrypts nothing.
#include <opencv2/core.hpp>

#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"

namespace shroud::attacks {

Result<AttackResult> pbe_cpa(const AttackOptions& o) {
  const int side = pe_image_side(o, 64);
  const cv::Size size(side, side);
  const int fresh_count = o.trials > 0 ? o.trials : 3;
  SHROUD_ASSIGN_OR_RETURN(PeOracle oracle, make_pe_oracle(o.scheme));
  SHROUD_ASSIGN_OR_RETURN(PeImages fresh, pe_images(o, fresh_count, size));

  // Algorithm 1 as printed (a = 1, so a XOR 255 = 254).
  constexpr std::uint8_t a = 1;
  SHROUD_ASSIGN_OR_RETURN(cv::Mat enc_a, oracle.encrypt(cv::Mat(size, CV_8UC3, cv::Scalar::all(a))));
  EquivalentKey alg1{cv::Mat(size, CV_8UC3, cv::Scalar(0, 1, 2)), cv::Mat(size, CV_8UC3)};
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < 3; ++c) alg1.mask.at<cv::Vec3b>(y, x)[c] = enc_a.at<cv::Vec3b>(y, x)[c] == (a ^ 255) ? 255 : 0;

  // The modification for the shuffle: one image with (1, 2, 4) in every pixel.
  const cv::Vec3b chosen(1, 2, 4);
  SHROUD_ASSIGN_OR_RETURN(cv::Mat enc_c, oracle.encrypt(cv::Mat(size, CV_8UC3, cv::Scalar(1, 2, 4))));
  EquivalentKey key{cv::Mat(size, CV_8UC3, cv::Scalar::all(0)), cv::Mat(size, CV_8UC3, cv::Scalar::all(0))};
  std::int64_t resolved = 0;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const auto& e = enc_c.at<cv::Vec3b>(y, x);
      auto& p = key.perm.at<cv::Vec3b>(y, x);
      auto& m = key.mask.at<cv::Vec3b>(y, x);
      int seen = 0;
      for (int j = 0; j < 3; ++j) {
        p[j] = static_cast<std::uint8_t>(j);  // unresolved sample: guess the identity
        for (int c = 0; c < 3; ++c) {
          for (int bit = 0; bit < 2; ++bit) {
            if ((chosen[c] ^ (bit ? 255 : 0)) == e[j]) {
              p[j] = static_cast<std::uint8_t>(c);
              m[c] = bit ? 255 : 0;
              seen |= 1 << c;
            }
          }
        }
      }
      resolved += seen == 7;
    }
  }

  nlohmann::json per = nlohmann::json::array();
  double exact_sum = 0, alg1_sum = 0;
  for (std::size_t i = 0; i < fresh.images.size(); ++i) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat c, oracle.encrypt(fresh.images[i]));
    const double exact = exact_pixel_fraction(decrypt_equivalent(c, key), fresh.images[i]);
    const double exact_alg1 = exact_pixel_fraction(decrypt_equivalent(c, alg1), fresh.images[i]);
    per.push_back({{"image", fresh.names[i]}, {"pixels_exact", exact}, {"pixels_exact_algorithm1_key", exact_alg1},
                   {"samples_exact", exact_sample_fraction(decrypt_equivalent(c, key), fresh.images[i])}});
    exact_sum += exact;
    alg1_sum += exact_alg1;
  }
  const double n = static_cast<double>(fresh.images.size());
  AttackResult r;
  r.success = exact_sum / n;
  r.detail = {{"chosen_images", 2},          // Algorithm 1's constant image, then the (1, 2, 4) image
              {"chosen_images_needed", 1},   // the (1, 2, 4) image alone gives K_c and K_s
              {"image_size", {side, side}},
              {"pixels_resolved", static_cast<double>(resolved) / size.area()},
              {"fresh_images", per},
              {"fresh_pixels_exact_algorithm1_key", alg1_sum / n},
              {"chance_pixel", 1.0 / 16777216.0}};
  if (oracle.truth) {
    const EquivalentKey truth = oracle.truth(size);
    r.detail["key_kc_recovered"] = mask_agreement(key, truth);
    r.detail["key_ks_recovered"] = perm_agreement(key, truth);
    r.detail["algorithm1_kc_recovered"] = mask_agreement(alg1, truth);
  } else {
    r.detail["key_kc_recovered"] = nullptr;  // the seal has no per-pixel key to compare with
    r.detail["key_ks_recovered"] = nullptr;
  }
  char line[240];
  std::snprintf(line, sizeof line,
                "Algorithm 1 + the (1,2,4) image: %.1f%% of pixels resolved; fresh images decrypted exactly: %.2f%% of pixels "
                "(Algorithm 1 key alone: %.2f%%)",
                100.0 * static_cast<double>(resolved) / size.area(), 100.0 * r.success, 100.0 * alg1_sum / n);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
