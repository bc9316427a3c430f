// Internal: one region's pixels as a compressed, padded plaintext (still-image containers,
// version 2; docs/container-format.md "Compressed region bodies").
//
// plaintext = c (4 bytes, big-endian) || a zstd frame of c bytes (region_codec.h, one intra
// region, colour planes) || zeros, padded to a size bucket (size_bucket.h, kContainerBucketSteps
// per octave) and capped at padded_region_cap(), a function of the rectangle and geometry only.
#pragma once

#include <cstdint>

#include "codec/region_codec.h"
#include "crypto/crypto.h"
#include "shroud/result.h"

namespace shroud::codec {

inline constexpr int kContainerBucketSteps = 2;

// The largest padded plaintext for a width x height region (the bucket cap).
std::uint64_t padded_region_cap(std::uint32_t width, std::uint32_t height, const Geometry& g);

// Compresses `pixels` (width x height samples, channels interleaved, native sample type) into
// `out` (resized to the padded size).
Status compress_region(const std::uint8_t* pixels, int width, int height, const Geometry& g, crypto::SecretBytes* out);

// Inverse: checks the length prefix, the zero padding and that the zstd frame decodes to
// exactly this rectangle; writes width x height x channels samples to `pixels`. kCorrupt on any
// malformed input.
Status decompress_region(crypto::ByteView plain, int width, int height, const Geometry& g, std::uint8_t* pixels);

}  // namespace shroud::codec
