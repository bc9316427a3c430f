// Internal: one region of an image as bytes in Shroud's canonical order (rows top to bottom,
// channels interleaved, 16-bit samples little-endian), the form sealed pixels are encrypted and
// hashed in by the image seal, the carrier digest and the video track's raw (v1) records. The
// track's compressed records hand native-order samples to the region codec (which writes values,
// not bytes, so its stream is the same on any host): SampleOrder::kNative.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

namespace shroud::detail {

// How 16-bit samples are laid out in packed bytes (8-bit samples are the same either way).
enum class SampleOrder { kLittleEndian, kNative };

// Bytes `r` of `image` takes when packed: width x height x elemSize().
std::size_t packed_size(const cv::Mat& image, const cv::Rect& r);
// Copies `r` of `image` into `out` (packed_size bytes).
void pack_region(const cv::Mat& image, const cv::Rect& r, std::uint8_t* out, SampleOrder order = SampleOrder::kLittleEndian);
// The inverse: writes packed bytes `in` into `r` of `image`.
void unpack_region(const std::uint8_t* in, cv::Mat& image, const cv::Rect& r, SampleOrder order = SampleOrder::kLittleEndian);

}  // namespace shroud::detail
