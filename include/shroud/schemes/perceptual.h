// perceptual: the Ahmad-Shin pixel-based perceptual encryption (SCHEMES.md 2b).
//
// Sequence: logistic map d <- mu * d * (1 - d) (evaluated exactly in that order, IEEE double,
// no fused multiply-add: the build uses -ffp-contract=off) with mu in [3.57, 4] and d0 in (0, 1);
// discard R = 3000 iterates, then for i = 1..N iterate once more and take
// S_i = floor((d / 2) * 1e14) mod 2^B (B = 8, or 16 for 16-bit images). N = pixels * C with the
// sample numbering of pbe.h (C = 3 colour channels, or 1 for grey).
// Encryption per sample j: p' = p XOR S_j where the K_c bit is 1, else p; then the per-pixel
// channel shuffle with K_s (pbe.h: kChannelPermutations, K_c/K_s expanded from the 32-byte seed).
// Decryption: inverse shuffle, then the same XOR. Bit-exact for every size.
//
// Key: (mu, d0, seed, shuffle flag). Reproducible on every compiler (tests compare the sequence
// with an independent Python computation).
//
// Security: OBFUSCATION. The paper claims chosen-plaintext resistance, but S, K_c and K_s do not
// depend on the image: one chosen all-zero image plus one image with (1, 2, 4) in every pixel
// recover an equivalent key (SECURITY.md P1); C1 xor C2 = shuffle(P1 xor P2) (P4).
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/result.h"
#include "shroud/schemes/pbe.h"

namespace shroud::schemes {

inline constexpr int kLogisticDiscard = 3000;
inline constexpr double kLogisticMuMin = 3.57;
inline constexpr double kLogisticMuMax = 4.0;

// kInvalidArgument unless mu in [3.57, 4] and d0 in (0, 1), both finite.
Status check_logistic_params(double mu, double d0);

// S_1..S_count as defined above (modulus 256 or 65536).
std::vector<std::uint32_t> logistic_sequence(double mu, double d0, std::size_t count, int discard = kLogisticDiscard,
                                             std::uint32_t modulus = 256);

struct PerceptualKey {
  double mu = 3.99;
  double d0 = 0.37;
  PeSeed seed{};
  bool shuffle = true;
  PerceptualKey() = default;
  PerceptualKey(const PerceptualKey&) = default;
  PerceptualKey& operator=(const PerceptualKey&) = default;
  ~PerceptualKey();
  // {"scheme": "perceptual", "mu": number, "d0": number, "seed": hex, "shuffle": bool}; doubles
  // are written with 17 significant digits, so they read back bit-exactly.
  nlohmann::json to_json() const;
  static Result<PerceptualKey> from_json(const nlohmann::json& json);
};

// mu uniform in [3.57, 4), d0 uniform in (0, 1), seed: all from the OS CSPRNG.
Result<PerceptualKey> generate_perceptual_key();

Result<cv::Mat> perceptual_encrypt(const cv::Mat& image, const PerceptualKey& key);
Result<cv::Mat> perceptual_decrypt(const cv::Mat& image, const PerceptualKey& key);

}  // namespace shroud::schemes
