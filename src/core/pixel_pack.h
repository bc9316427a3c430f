// Internal: one region of an image as bytes in Shroud's canonical order (rows top to bottom,
// channels interleaved, 16-bit samples little-endian), the form sealed pixels are encrypted and
// hashed in by the image seal and carrier digest. (The video track's writer and reader still copy
// rows in host order for its codec: identical on little-endian hosts, not yet shared.)
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

namespace shroud::detail {

// Bytes `r` of `image` takes when packed: width x height x elemSize().
std::size_t packed_size(const cv::Mat& image, const cv::Rect& r);
// Copies `r` of `image` into `out` (packed_size bytes).
void pack_region(const cv::Mat& image, const cv::Rect& r, std::uint8_t* out);
// The inverse: writes packed bytes `in` into `r` of `image`.
void unpack_region(const std::uint8_t* in, cv::Mat& image, const cv::Rect& r);

}  // namespace shroud::detail
