// pbe: pixel-based perceptual encryption of Sirichotedumrong et al. (SCHEMES.md 2a), plus the
// key expansion and channel shuffle it shares with the Ahmad-Shin scheme (perceptual.h).
//
// For every pixel and colour channel, key bit k in K_c: p' = p XOR (2^B - 1) when k = 1, else p
// (B = 8 or 16). Then, optionally, a per-pixel colour-channel shuffle with K_s, one of the six
// permutations below (our reading of the paper's Table I, which the text does not reproduce):
// output channel j takes input channel kChannelPermutations[s][j]. Decryption: inverse shuffle,
// then the same XOR.
//
// Keys: K_c and K_s are as large as the image, so the key is a 32-byte seed (part of the key)
// expanded with ChaCha20-IETF: K_c bit j = bit (j mod 8) of byte floor(j/8) of the stream with
// nonce "shroud-pe-kc"; K_s for pixel i = the i-th stream byte b < 252 (others skipped) of nonce
// "shroud-pe-ks", taken mod 6. Samples are numbered pixel-major, colour channels interleaved:
// j = pixel * C + c with C = 3 for 3/4-channel images (alpha is never changed nor shuffled) and
// C = 1 for grey images (no shuffle).
//
// Security: OBFUSCATION. One chosen image recovers K_c (the paper's own Algorithm 1, SECURITY.md
// P0); the same key on many images is a reused keystream.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "shroud/result.h"

namespace shroud::schemes {

inline constexpr std::array<std::array<int, 3>, 6> kChannelPermutations = {{
    {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};

using PeSeed = std::array<std::uint8_t, 32>;

// K_c: `samples` bits (0/1, one byte each) from the seed.
std::vector<std::uint8_t> pe_binary_key(const PeSeed& seed, std::size_t samples);
// K_s: `pixels` permutation indices in 0..5 from the seed.
std::vector<std::uint8_t> pe_shuffle_key(const PeSeed& seed, std::size_t pixels);

struct PbeKey {
  PeSeed seed{};
  bool shuffle = true;   // apply the optional channel shuffle (3/4-channel images)
  PbeKey() = default;
  PbeKey(const PbeKey&) = default;
  PbeKey& operator=(const PbeKey&) = default;
  ~PbeKey();
  nlohmann::json to_json() const;   // {"scheme": "pbe", "seed": hex, "shuffle": bool}
  static Result<PbeKey> from_json(const nlohmann::json& json);
};

Result<PbeKey> generate_pbe_key();

// 8/16-bit, 1, 3 or 4 channels (kUnsupported otherwise). Returns a new image of the same type.
Result<cv::Mat> pbe_encrypt(const cv::Mat& image, const PbeKey& key);
Result<cv::Mat> pbe_decrypt(const cv::Mat& image, const PbeKey& key);

}  // namespace shroud::schemes
