// P3: known plaintext fixes the Ahmad-Shin key, pixel by pixel, with a few image pairs.
//
// For each pixel the key is (perm, m): C[j] = P[perm[j]] XOR m[perm[j]]. A candidate
// permutation is consistent with known pairs (P_k, C_k) when the implied masks
// m_k[c] = P_k[c] XOR C_k[j] (perm[j] = c) agree over all k. One pair leaves all six permutations
// consistent (0% fixed); each further pair removes the wrong ones unless two channels changed by
// the same XOR. A pixel is fixed when exactly one permutation survives (then its mask is known
// too). success = share of pixels fixed with n known pairs (n = --trials, default 3); the detail
// gives the coverage for 1..n and decrypts a further image with the surviving candidates.
// Against the seal no permutation is consistent beyond one pair (fresh nonce per image): 0%.
#include <opencv2/core.hpp>

#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"
#include "shroud/schemes/pbe.h"

namespace shroud::attacks {

Result<AttackResult> perceptual_kpa(const AttackOptions& o) {
  const int side = pe_image_side(o, 96);
  const cv::Size size(side, side);
  const int known = o.trials > 0 ? std::min(o.trials, 16) : 3;
  SHROUD_ASSIGN_OR_RETURN(PeOracle oracle, make_pe_oracle(o.scheme));
  SHROUD_ASSIGN_OR_RETURN(PeImages imgs, pe_images(o, known + 1, size));
  std::vector<cv::Mat> ciphers;
  for (const auto& img : imgs.images) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat c, oracle.encrypt(img));
    ciphers.push_back(std::move(c));
  }

  // consistent[pixel] = bit set of the permutations consistent with the first n pairs.
  std::vector<std::uint8_t> consistent(static_cast<std::size_t>(size.area()), 0x3f);
  nlohmann::json coverage = nlohmann::json::array();
  EquivalentKey key{cv::Mat(size, CV_8UC3, cv::Scalar(0, 1, 2)), cv::Mat(size, CV_8UC3, cv::Scalar::all(0))};
  double fixed_fraction = 0;
  for (int n = 1; n <= known; ++n) {
    const cv::Mat& p0 = imgs.images[0];
    const cv::Mat& c0 = ciphers[0];
    const cv::Mat& pn = imgs.images[static_cast<std::size_t>(n - 1)];
    const cv::Mat& cn = ciphers[static_cast<std::size_t>(n - 1)];
    std::int64_t fixed = 0, none = 0;
    std::size_t i = 0;
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x, ++i) {
        const auto& a0 = p0.at<cv::Vec3b>(y, x);
        const auto& e0 = c0.at<cv::Vec3b>(y, x);
        const auto& an = pn.at<cv::Vec3b>(y, x);
        const auto& en = cn.at<cv::Vec3b>(y, x);
        for (int s = 0; s < 6; ++s) {
          if (!(consistent[i] >> s & 1)) continue;
          const auto& perm = schemes::kChannelPermutations[static_cast<std::size_t>(s)];
          for (int j = 0; j < 3; ++j) {
            const int c = perm[static_cast<std::size_t>(j)];
            if ((a0[c] ^ e0[j]) != (an[c] ^ en[j])) {
              consistent[i] &= static_cast<std::uint8_t>(~(1u << s));
              break;
            }
          }
        }
        const int count = __builtin_popcount(consistent[i]);
        fixed += count == 1;
        none += count == 0;
      }
    }
    fixed_fraction = static_cast<double>(fixed) / size.area();
    coverage.push_back({{"known_images", n}, {"pixels_fixed", fixed_fraction},
                        {"pixels_inconsistent", static_cast<double>(none) / size.area()}});
  }

  // The key the attacker ends with: the first surviving permutation (identity when none) and
  // the mask it implies from the first pair.
  std::size_t i = 0;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x, ++i) {
      int s = 0;
      while (s < 6 && !(consistent[i] >> s & 1)) ++s;
      if (s == 6) s = 0;
      const auto& perm = schemes::kChannelPermutations[static_cast<std::size_t>(s)];
      auto& p = key.perm.at<cv::Vec3b>(y, x);
      auto& m = key.mask.at<cv::Vec3b>(y, x);
      const auto& a0 = imgs.images[0].at<cv::Vec3b>(y, x);
      const auto& e0 = ciphers[0].at<cv::Vec3b>(y, x);
      for (int j = 0; j < 3; ++j) {
        p[j] = static_cast<std::uint8_t>(perm[static_cast<std::size_t>(j)]);
        m[p[j]] = static_cast<std::uint8_t>(a0[p[j]] ^ e0[j]);
      }
    }
  }
  const cv::Mat& unseen = imgs.images.back();
  const cv::Mat guess = decrypt_equivalent(ciphers.back(), key);
  nlohmann::json names = imgs.names;
  AttackResult r;
  r.success = fixed_fraction;
  r.detail = {{"known_images", known},
              {"image_size", {side, side}},
              {"images", names},
              {"coverage", coverage},
              {"unseen_image_pixels_exact", exact_pixel_fraction(guess, unseen)},
              {"unseen_image_psnr", cv::PSNR(guess, unseen)}};
  if (oracle.truth) {
    const EquivalentKey truth = oracle.truth(size);
    r.detail["ks_matches"] = perm_agreement(key, truth);
  }
  std::string line = "known-plaintext key coverage:";
  for (const auto& c : coverage) {
    char part[64];
    std::snprintf(part, sizeof part, " %d image%s %.2f%%", c["known_images"].get<int>(), c["known_images"].get<int>() == 1 ? "" : "s",
                  100.0 * c["pixels_fixed"].get<double>());
    line += part;
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, "; an unseen image decrypts exactly at %.2f%% of pixels",
                100.0 * r.detail["unseen_image_pixels_exact"].get<double>());
  r.summary = line + tail;
  return r;
}

}  // namespace shroud::attacks
