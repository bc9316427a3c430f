// Helpers shared by the paper schemes (not public): CSPRNG access, a ChaCha20 keystream reader,
// hex coding and arithmetic modulo the Mersenne prime 2^61 - 1.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud::schemes::detail {

// Initialises libsodium once; kInternal when the library (its RNG) cannot start.
Status ensure_sodium();

// Fills `out` from the OS CSPRNG (libsodium randombytes_buf).
Status random_bytes(std::uint8_t* out, std::size_t size);

// Uniform integer in [0, bound) from the OS CSPRNG; bound >= 1.
Result<std::uint64_t> random_uniform(std::uint64_t bound);

// Deterministic byte stream: ChaCha20 (IETF, 96-bit nonce) keystream of `key` and `nonce`,
// read in order from block counter 0. Not thread-safe; wipes its buffer and key on destruction.
class KeyStream {
 public:
  KeyStream(const std::array<std::uint8_t, 32>& key, const std::array<std::uint8_t, 12>& nonce);
  ~KeyStream();
  KeyStream(const KeyStream&) = delete;
  KeyStream& operator=(const KeyStream&) = delete;

  std::uint8_t next_byte();
  std::uint32_t next_u32();   // little-endian
  std::uint64_t next_u64();   // little-endian
  // Uniform in [0, bound) by rejection sampling (no modulo bias); bound >= 1.
  std::uint32_t uniform_u32(std::uint32_t bound);

 private:
  void refill();
  std::array<std::uint8_t, 32> key_;
  std::array<std::uint8_t, 12> nonce_;
  std::array<std::uint8_t, 4096> buffer_{};
  std::size_t pos_ = 4096;
  std::uint32_t counter_ = 0;   // ChaCha20 block counter of the next refill
};

std::string to_hex(const std::uint8_t* data, std::size_t size);
// Decodes exactly `expected` bytes of hex (either case); kInvalidArgument otherwise.
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t expected);

// 2^61 - 1 arithmetic with 128-bit intermediates. Inputs must be < kMersenne61.
inline constexpr std::uint64_t kMersenne61 = (std::uint64_t{1} << 61) - 1;
inline std::uint64_t mul_mod61(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  // p < 2^122; fold the high bits (2^61 = 1 mod q) twice, then one conditional subtraction.
  std::uint64_t r = static_cast<std::uint64_t>(p & kMersenne61) + static_cast<std::uint64_t>(p >> 61);
  r = (r & kMersenne61) + (r >> 61);
  return r >= kMersenne61 ? r - kMersenne61 : r;
}
std::uint64_t pow_mod61(std::uint64_t base, std::uint64_t exponent);

// Image checks shared by the schemes.
bool is_8_or_16_bit(const cv::Mat& image);
// Area strictly inside `size` (64-bit arithmetic, no overflow); empty areas are allowed only when
// `allow_empty`.
bool rect_inside(const cv::Rect& rect, cv::Size size, bool allow_empty);

}  // namespace shroud::schemes::detail
