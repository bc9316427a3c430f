// Internal: length padding of compressed records (recovery track v2; docs/security.md
// "Compressed recovery tracks: what the length reveals").
//
// A compressed record's length would reveal how textured or how still its regions are. Each
// plaintext is padded with zeros to a bucket: the smallest m * 2^e >= n with m in
// {S, S+1, .., 2S-1} (S = steps per octave: 1 = powers of two, 2 = {2,3} * 2^e, 4 = {4..7} * 2^e),
// at least kMinBucket, and never more than `cap` (the worst-case compressed size, a function of
// the public rectangles only). So a record reveals only which bucket its size fell in.
#pragma once

#include <cstdint>

namespace shroud::codec {

inline constexpr std::uint64_t kMinBucket = 64;

// True for 1, 2 and 4.
bool valid_bucket_steps(int steps);
// The padded size of an n-byte plaintext (n <= cap).
std::uint64_t bucket_size(std::uint64_t n, int steps, std::uint64_t cap);
// Whether `size` is a size bucket_size() can return for this cap.
bool is_bucket_size(std::uint64_t size, int steps, std::uint64_t cap);

}  // namespace shroud::codec
