// CSPRNG, ChaCha20 keystream, hex and modular helpers for the paper schemes.
#include "schemes/internal.h"

#include <sodium.h>

#include <cstring>

namespace shroud::schemes::detail {

Status ensure_sodium() {
  static const int rc = sodium_init();  // thread-safe; 0 = initialised, 1 = already was
  if (rc < 0) return make_error(ErrorCode::kInternal, "libsodium (and its random generator) failed to start");
  return ok_status();
}

Status random_bytes(std::uint8_t* out, std::size_t size) {
  SHROUD_RETURN_IF_ERROR(ensure_sodium());
  randombytes_buf(out, size);
  return ok_status();
}

Result<std::uint64_t> random_uniform(std::uint64_t bound) {
  if (bound == 0) return make_error(ErrorCode::kInternal, "random_uniform: empty range");
  SHROUD_RETURN_IF_ERROR(ensure_sodium());
  // Rejection sampling: accept x >= 2^64 mod bound, then x mod bound is uniform.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    std::uint64_t x = 0;
    randombytes_buf(&x, sizeof x);
    if (x >= threshold) return x % bound;
  }
}

KeyStream::KeyStream(const std::array<std::uint8_t, 32>& key, const std::array<std::uint8_t, 12>& nonce)
    : key_(key), nonce_(nonce) {}

KeyStream::~KeyStream() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(buffer_.data(), buffer_.size());
}

void KeyStream::refill() {
  // 4096 bytes = 64 ChaCha20 blocks; the counter is in blocks.
  std::memset(buffer_.data(), 0, buffer_.size());
  crypto_stream_chacha20_ietf_xor_ic(buffer_.data(), buffer_.data(), buffer_.size(), nonce_.data(), counter_,
                                     key_.data());
  counter_ += static_cast<std::uint32_t>(buffer_.size() / 64);
  pos_ = 0;
}

std::uint8_t KeyStream::next_byte() {
  if (pos_ >= buffer_.size()) refill();
  return buffer_[pos_++];
}

std::uint32_t KeyStream::next_u32() {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(next_byte()) << (8 * i);
  return v;
}

std::uint64_t KeyStream::next_u64() {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(next_byte()) << (8 * i);
  return v;
}

std::uint32_t KeyStream::uniform_u32(std::uint32_t bound) {
  const std::uint32_t threshold = (0u - bound) % bound;  // 2^32 mod bound
  for (;;) {
    const std::uint32_t x = next_u32();
    if (x >= threshold) return x % bound;
  }
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t expected) {
  if (hex.size() != expected * 2) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected " + std::to_string(expected * 2) + " hex digits, got " + std::to_string(hex.size()));
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out(expected);
  for (std::size_t i = 0; i < expected; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error(ErrorCode::kInvalidArgument, "invalid hex digit");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::uint64_t pow_mod61(std::uint64_t base, std::uint64_t exponent) {
  std::uint64_t result = 1;
  base %= kMersenne61;
  while (exponent != 0) {
    if (exponent & 1) result = mul_mod61(result, base);
    base = mul_mod61(base, base);
    exponent >>= 1;
  }
  return result;
}

bool is_8_or_16_bit(const cv::Mat& image) {
  return !image.empty() && image.dims == 2 && (image.depth() == CV_8U || image.depth() == CV_16U);
}

bool rect_inside(const cv::Rect& rect, cv::Size size, bool allow_empty) {
  if (rect.width < 0 || rect.height < 0 || rect.x < 0 || rect.y < 0) return false;
  if (rect.width == 0 || rect.height == 0) return allow_empty;
  return static_cast<std::int64_t>(rect.x) + rect.width <= size.width &&
         static_cast<std::int64_t>(rect.y) + rect.height <= size.height;
}

}  // namespace shroud::schemes::detail
