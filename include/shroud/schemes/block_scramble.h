// block-scramble: keyed permutation of square pixel blocks (MSAI section 3.3, Algorithm 2;
// precise reading in SCHEMES.md 1c).
//
// The scrambled area (the whole frame, or one rectangle) is cut into block_size x block_size
// blocks, taken in row-major order as a 1-D array; output position i receives input block tau(i).
// tau is a Fisher-Yates shuffle driven by ChaCha20: the per-frame subkey is
// crypto_kdf_derive_from_key(key, subkey_id = frame_index, context "shroudbs"), the ChaCha20-IETF
// nonce is the block count (u64 little-endian) followed by four zero bytes, and each swap index is
// drawn by rejection sampling from little-endian u32 words (no modulo bias). The same key and
// frame index always give the same tau; different frames get unrelated permutations.
//
// Remainder: when the area is not a multiple of the block size, either the right/bottom remainder
// stays in place unscrambled (kKeep, image size unchanged; an area smaller than one block is left
// as is) or the whole frame is edge-padded to a multiple of the block size (kPad, output larger,
// whole frame only). The record keeps the original size, so the round trip is lossless for every
// size, depth (any OpenCV depth) and channel count.
//
// Security: OBFUSCATION ONLY. Block contents, histograms and intact 8x8 statistics are visible;
// one chosen image (block j encodes j) or block matching on one known image recovers tau
// (SECURITY.md M4, M5). Use the seal for confidentiality.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud::schemes {

inline constexpr int kDefaultBlockSize = 8;
inline constexpr int kMaxBlockSize = 4096;

// 32-byte secret that defines every frame's permutation. Wiped on destruction.
struct ScrambleKey {
  std::array<std::uint8_t, 32> bytes{};
  ScrambleKey() = default;
  ScrambleKey(const ScrambleKey&) = default;
  ScrambleKey& operator=(const ScrambleKey&) = default;
  ~ScrambleKey();
};

// A fresh key from the OS CSPRNG.
Result<ScrambleKey> generate_scramble_key();
std::string scramble_key_to_hex(const ScrambleKey& key);
Result<ScrambleKey> scramble_key_from_hex(const std::string& hex);

enum class Remainder { kKeep, kPad };
const char* remainder_name(Remainder remainder);   // "keep", "pad"
Result<Remainder> parse_remainder(const std::string& name);

// Plain, serialisable parameters (no secrets).
struct BlockScrambleParams {
  int block_size = kDefaultBlockSize;   // 1..kMaxBlockSize
  cv::Rect region;                      // cv::Rect() (all zero): the whole frame
  Remainder remainder = Remainder::kKeep;   // kPad only for the whole frame
  std::int64_t frame_index = 0;         // >= 0; selects the per-frame permutation
};

// What the unscrambler needs besides the key; stored next to the scrambled image.
struct BlockScrambleRecord {
  int width = 0, height = 0;            // original image size
  int block_size = kDefaultBlockSize;
  cv::Rect area;                        // scrambled area in original coordinates
  Remainder remainder = Remainder::kKeep;
  std::int64_t frame_index = 0;
  int blocks_x = 0, blocks_y = 0;       // block grid (blocks_x * blocks_y blocks permuted)

  cv::Size output_size() const;         // size of the scrambled image (larger when padded)
  nlohmann::json to_json() const;
  // Validates every field (ranges, consistency, 64-bit overflow); kCorrupt on bad records.
  static Result<BlockScrambleRecord> from_json(const nlohmann::json& json);
};

// tau for `count` blocks of frame `frame_index`: a permutation of 0..count-1 (count >= 1).
Result<std::vector<std::uint32_t>> block_permutation(const ScrambleKey& key, std::int64_t frame_index,
                                                     std::uint32_t count);

struct ScrambledImage {
  cv::Mat image;
  BlockScrambleRecord record;
};

// Scrambles a copy of `image` (2-D, any depth and channel count). kInvalidArgument for a bad
// block size, frame index, a region outside the image or kPad with a region.
Result<ScrambledImage> block_scramble(const cv::Mat& image, const ScrambleKey& key,
                                      const BlockScrambleParams& params);

// Inverse of block_scramble: exact original (size, type, pixels). kInvalidArgument when the
// image does not match the record. A wrong key gives wrong pixels (there is no authentication).
Result<cv::Mat> block_unscramble(const cv::Mat& scrambled, const ScrambleKey& key,
                                 const BlockScrambleRecord& record);

}  // namespace shroud::schemes
