// Size buckets for padding compressed records.
#include "codec/size_bucket.h"

#include <algorithm>

namespace shroud::codec {

bool valid_bucket_steps(int steps) { return steps == 1 || steps == 2 || steps == 4; }

std::uint64_t bucket_size(std::uint64_t n, int steps, std::uint64_t cap) {
  const std::uint64_t s = static_cast<std::uint64_t>(steps);
  std::uint64_t target = std::max(n, kMinBucket);
  // Smallest e with (2S - 1) * 2^e >= target, then the smallest m in [S, 2S) with m * 2^e >= target.
  std::uint64_t unit = 1;
  while ((2 * s - 1) * unit < target && unit < (1ull << 62) / (2 * s)) unit <<= 1;
  std::uint64_t m = (target + unit - 1) / unit;
  m = std::max(m, s);
  const std::uint64_t b = m * unit;
  return std::min(b, std::max(cap, n));
}

bool is_bucket_size(std::uint64_t size, int steps, std::uint64_t cap) {
  if (size == cap) return true;
  if (size > cap || size < kMinBucket) return false;
  return bucket_size(size, steps, cap) == size;
}

}  // namespace shroud::codec
