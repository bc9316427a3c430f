// msai-paper: the MSAI masking membrane as printed in the paper (SCHEMES.md 1a), kept to
// reproduce and measure its behaviour, flaws included. Use msai-l for a lossless membrane.
//
// Reading: k in GF(251) \ {0}; lambda_ij = k^-1 (w + e_ij) with k^-1 the REAL reciprocal 1/k,
// w = 2^16 and integer noise e uniform in [-2^7, 2^7] from the OS CSPRNG; lambda is a double.
// The camera stores O'_ij = o_ij * lambda_ij rounded to float32; the data centre recovers
// round(k O'_ij / w) mod 251. Since k O'/w = o (1 + e/w) and |o e / w| <= 255/512 < 1/2, the
// rounding gives o back, and then "mod 251" maps 251..255 to 0..4: images with values >= 251
// lose those pixels (finite PSNR), images below 251 come back exactly. 8-bit only.
//
// Security: none to speak of. O' ~ (w/k) o, so rescaling the ciphertext by its own range recovers
// the area without any key (SECURITY.md M1); k has 250 candidates (M2); one known pixel gives k
// (M3).
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/result.h"

namespace shroud::schemes {

inline constexpr int kMsaiPaperField = 251;
inline constexpr double kMsaiPaperW = 65536.0;   // 2^16
inline constexpr int kMsaiPaperNoise = 128;      // |e| <= 2^7

struct MsaiPaperKey {
  int k = 0;   // 1..250
};

Result<MsaiPaperKey> msai_paper_generate_key();
Status msai_paper_check_key(const MsaiPaperKey& key);

// `count` membrane values lambda = (w + e) / k as doubles.
Result<std::vector<double>> msai_paper_membrane(const MsaiPaperKey& key, std::size_t count);

// Camera: O' = float32(o * lambda) for an 8-bit area (any channel count); the membrane may be
// larger than the area (top-left part used, as in msai_l_mask).
Result<std::vector<float>> msai_paper_mask(const cv::Mat& area, const std::vector<double>& lambda,
                                           int membrane_rows, int membrane_cols);

// Placeholder for the visible image: the low byte of the integer part of each O'.
cv::Mat msai_paper_placeholder(const std::vector<float>& masked, cv::Size size, int type);

// Data centre: round(k O' / w) mod 251 per sample (8-bit output of `channels` channels).
// kCorrupt for a non-finite or negative O' or a count mismatch. Never detects a wrong key.
Result<cv::Mat> msai_paper_unmask(const std::vector<float>& masked, cv::Size size, int channels,
                                  const MsaiPaperKey& key);

}  // namespace shroud::schemes
