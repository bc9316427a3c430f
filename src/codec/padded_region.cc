// A region's compressed, padded plaintext (still-image containers, version 2).
#include "codec/padded_region.h"

#include <zstd.h>

#include <cstring>

#include "codec/size_bucket.h"

namespace shroud::codec {

std::uint64_t padded_region_cap(std::uint32_t width, std::uint32_t height, const Geometry& g) {
  const std::uint64_t n = stream_bytes({cv::Rect(0, 0, static_cast<int>(width), static_cast<int>(height))}, g);
  return 4 + ZSTD_COMPRESSBOUND(n);
}

Status compress_region(const std::uint8_t* pixels, int width, int height, const Geometry& g, crypto::SecretBytes* out) {
  std::vector<std::uint8_t> z;
  const std::vector<cv::Rect> rects = {cv::Rect(0, 0, width, height)};
  Status s = encode_regions(rects, {pixels}, g, nullptr, {}, &z);
  if (!s.ok()) return s;
  const std::uint64_t cap = padded_region_cap(static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height), g);
  const std::uint64_t size = bucket_size(4 + z.size(), kContainerBucketSteps, cap);
  *out = crypto::SecretBytes(static_cast<std::size_t>(size));
  const auto len = static_cast<std::uint32_t>(z.size());
  for (int i = 0; i < 4; ++i) out->data()[i] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
  std::memcpy(out->data() + 4, z.data(), z.size());
  std::memset(out->data() + 4 + z.size(), 0, out->size() - 4 - z.size());
  crypto::memzero(z.data(), z.size());
  return ok_status();
}

Status decompress_region(crypto::ByteView plain, int width, int height, const Geometry& g, std::uint8_t* pixels) {
  auto corrupt = [](const std::string& m) { return make_error(ErrorCode::kCorrupt, "compressed region: " + m); };
  if (plain.size() < 4) return corrupt("shorter than its length prefix");
  const std::uint8_t* b = plain.data();
  const std::uint64_t len = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) | (std::uint64_t{b[2]} << 8) | b[3];
  if (len > plain.size() - 4) return corrupt("length beyond the body");
  for (std::size_t i = 4 + static_cast<std::size_t>(len); i < plain.size(); ++i) {
    if (b[i] != 0) return corrupt("non-zero padding");
  }
  return decode_regions({b + 4, static_cast<std::size_t>(len)}, {cv::Rect(0, 0, width, height)}, g, nullptr, {pixels});
}

}  // namespace shroud::codec
