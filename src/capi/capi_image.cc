#include "capi/capi_image.h"

#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <limits>
#include <utility>

namespace shroud::capi {
namespace {

void swap_red_blue(cv::Mat& image) {
  const int ch = image.channels();
  for (int y = 0; y < image.rows; ++y) {
    std::uint8_t* p = image.ptr<std::uint8_t>(y);
    std::uint8_t* const end = p + static_cast<std::ptrdiff_t>(image.cols) * ch;
    for (; p < end; p += ch) std::swap(p[0], p[2]);
  }
}

}  // namespace

int format_channels(std::int32_t format) {
  switch (format) {
    case SHROUD_FORMAT_GRAY: return 1;
    case SHROUD_FORMAT_BGR:
    case SHROUD_FORMAT_RGB: return 3;
    case SHROUD_FORMAT_BGRA:
    case SHROUD_FORMAT_RGBA: return 4;
    default: return 0;
  }
}

bool is_rgb_order(std::int32_t format) { return format == SHROUD_FORMAT_RGB || format == SHROUD_FORMAT_RGBA; }

Result<cv::Mat> wrap_image(const shroud_image* img, const ImageLimits& limits) {
  auto bad = [](const std::string& m) { return make_error(ErrorCode::kInvalidArgument, "image: " + m); };
  if (img == nullptr) return bad("the shroud_image pointer is NULL");
  const int ch = format_channels(img->format);
  if (ch == 0) return bad("unknown pixel format " + std::to_string(img->format) + " (GRAY=1, BGR=2, RGB=3, BGRA=4, RGBA=5)");
  if (img->width <= 0 || img->height <= 0) {
    return bad("width and height must be positive (got " + std::to_string(img->width) + "x" +
               std::to_string(img->height) + ")");
  }
  if (img->data == nullptr) return bad("data is NULL");
  const std::int64_t w = img->width, h = img->height;
  if (w * h > limits.max_pixels) {
    return make_error(ErrorCode::kResourceLimit, "image: " + std::to_string(w) + "x" + std::to_string(h) +
                                                     " is over the pixel limit " + std::to_string(limits.max_pixels));
  }
  const std::int64_t row = w * ch;
  if (img->stride < row) {
    return bad("stride " + std::to_string(img->stride) + " is smaller than a row (" + std::to_string(row) + " bytes)");
  }
  if (img->stride > std::numeric_limits<std::int64_t>::max() / h ||
      static_cast<std::uint64_t>(img->stride) * static_cast<std::uint64_t>(h) >
          static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max())) {
    return bad("stride * height overflows");
  }
  return cv::Mat(img->height, img->width, CV_8UC(ch), img->data, static_cast<std::size_t>(img->stride));
}

cv::Mat bgr_copy(const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, rgb.channels() == 4 ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
  return bgr;
}

ChannelSwap::ChannelSwap(cv::Mat& image, bool active) : image_(image), active_(active) {
  if (active_) swap_red_blue(image_);
}

void ChannelSwap::undo() {
  if (!active_) return;
  active_ = false;
  swap_red_blue(image_);
}

}  // namespace shroud::capi
