#include "core/pixel_pack.h"

#include <bit>
#include <cstring>
#include <utility>

namespace shroud::detail {
namespace {

// 16-bit samples are stored little-endian: swap on a big-endian host (a no-op elsewhere).
void to_little_endian(const cv::Mat& image, std::uint8_t* bytes, std::size_t n, SampleOrder order) {
  if constexpr (std::endian::native == std::endian::big) {
    if (order == SampleOrder::kLittleEndian && image.depth() == CV_16U) {
      for (std::size_t i = 0; i + 1 < n; i += 2) std::swap(bytes[i], bytes[i + 1]);
    }
  } else {
    (void)image;
    (void)bytes;
    (void)n;
    (void)order;
  }
}

}  // namespace

std::size_t packed_size(const cv::Mat& image, const cv::Rect& r) {
  return static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * image.elemSize();
}

void pack_region(const cv::Mat& image, const cv::Rect& r, std::uint8_t* out, SampleOrder order) {
  const std::size_t es = image.elemSize();
  const std::size_t row_bytes = static_cast<std::size_t>(r.width) * es;
  for (int y = 0; y < r.height; ++y) {
    std::uint8_t* dst = out + static_cast<std::size_t>(y) * row_bytes;
    std::memcpy(dst, image.ptr(r.y + y) + static_cast<std::size_t>(r.x) * es, row_bytes);
    to_little_endian(image, dst, row_bytes, order);
  }
}

void unpack_region(const std::uint8_t* in, cv::Mat& image, const cv::Rect& r, SampleOrder order) {
  const std::size_t es = image.elemSize();
  const std::size_t row_bytes = static_cast<std::size_t>(r.width) * es;
  for (int y = 0; y < r.height; ++y) {
    std::uint8_t* dst = image.ptr(r.y + y) + static_cast<std::size_t>(r.x) * es;
    std::memcpy(dst, in + static_cast<std::size_t>(y) * row_bytes, row_bytes);
    to_little_endian(image, dst, row_bytes, order);
  }
}

}  // namespace shroud::detail
