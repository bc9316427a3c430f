// msai-l: the lossless integer form of the MSAI masking membrane (SCHEMES.md 1b).
//
// Parameters: q = 2^61 - 1 (prime), w = 2^40, noise e uniform in [-E, E] with E = 2^22, drawn
// fresh from the OS CSPRNG for every membrane element; the key k is uniform in [1, q - 1].
//   cloud:       lambda_i = k^-1 (w + e_i) mod q            (one lambda per sample)
//   camera:      c_i = lambda_i * p_i mod q                 (p_i in [0, 2^B - 1], B = 8 or 16)
//   data centre: t = k c_i mod q = (w + e_i) p_i;  p_i = floor((t + w/2) / w)
// The data centre rejects (kAuthentication) when t > (w + E) Pmax or |t - w p| > E p for any
// sample: a wrong key or a modified value is caught with overwhelming probability (about 2^-30
// per 8-bit sample passes by chance). Exact because E Pmax < w/2 and (w + E) Pmax < q; products
// use unsigned __int128. Samples are taken row-major, channels interleaved (OpenCV order), all
// channels including alpha.
//
// Security: OBFUSCATION, NOT ENCRYPTION. Two known pixels reveal k (p = 0 always gives c = 0,
// and t/p ~ w ties every lambda to k); a ciphertext-only lattice attack (1-D hidden number
// problem) recovers k; a reused membrane maps equal pixels to equal values. See SECURITY.md.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/result.h"

namespace shroud::schemes {

inline constexpr std::uint64_t kMsaiLModulus = (std::uint64_t{1} << 61) - 1;
inline constexpr std::uint64_t kMsaiLW = std::uint64_t{1} << 40;
inline constexpr std::uint64_t kMsaiLNoise = std::uint64_t{1} << 22;

// The cloud's secret (sent to the data centre only). Wiped on destruction.
struct MsaiLKey {
  std::uint64_t k = 0;   // 1..q-1
  MsaiLKey() = default;
  explicit MsaiLKey(std::uint64_t value) : k(value) {}
  MsaiLKey(const MsaiLKey&) = default;
  MsaiLKey& operator=(const MsaiLKey&) = default;
  ~MsaiLKey();
};

Result<MsaiLKey> msai_l_generate_key();
Status msai_l_check_key(const MsaiLKey& key);   // kInvalidArgument unless 1 <= k < q
// k^-1 mod q (Fermat: k^(q-2)); k must be valid.
std::uint64_t msai_l_inverse(std::uint64_t k);

// `count` membrane values lambda_i = k^-1 (w + e_i) mod q with fresh noise.
Result<std::vector<std::uint64_t>> msai_l_membrane(const MsaiLKey& key, std::size_t count);

// Camera: masks `area` (8U or 16U, any channel count) with the membrane of a
// membrane_rows x membrane_cols x channels area; the membrane may be larger than the area (its
// top-left part is used). Returns area.rows * area.cols * channels values.
Result<std::vector<std::uint64_t>> msai_l_mask(const cv::Mat& area, const std::vector<std::uint64_t>& lambda,
                                               int membrane_rows, int membrane_cols);

// What the visible image shows in place of the area: the low 8 (16) bits of each c_i.
cv::Mat msai_l_placeholder(const std::vector<std::uint64_t>& masked, cv::Size size, int type);

// Data centre: recovers the area (size x type) from the masked values. kAuthentication when any
// sample fails the range/noise check (wrong key or tampering); kCorrupt when a value is >= q or
// the count does not match.
Result<cv::Mat> msai_l_unmask(const std::vector<std::uint64_t>& masked, cv::Size size, int type,
                              const MsaiLKey& key);

}  // namespace shroud::schemes
