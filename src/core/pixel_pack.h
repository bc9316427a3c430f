// Internal: one region of an image as bytes in Shroud's canonical order (rows top to bottom,
// channels interleaved, 16-bit samples little-endian), the form sealed pixels are encrypted,
// compressed and hashed in. Used by the image seal and the video recovery track alike, so both
// read each other's byte order on any host.
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
