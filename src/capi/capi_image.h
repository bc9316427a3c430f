// The C API's pixel buffer descriptor (shroud_image) as a cv::Mat header over the caller's
// memory: checked, never copied.
#pragma once

#include <opencv2/core.hpp>

#include "shroud/image_io.h"
#include "shroud/result.h"
#include "shroud/shroud.h"

namespace shroud::capi {

// Channels of a shroud_pixel_format; 0 when the format is unknown.
int format_channels(std::int32_t format);
bool is_rgb_order(std::int32_t format);

// A Mat header over img->data with img->stride (no copy). kInvalidArgument for a NULL pointer,
// an unknown format, a width or height <= 0, a stride smaller than a row or a size that
// overflows; kResourceLimit over limits.max_pixels.
Result<cv::Mat> wrap_image(const shroud_image* img, const ImageLimits& limits);

// A BGR(A) copy of an RGB(A) image (for detection, which must not write the caller's buffer).
cv::Mat bgr_copy(const cv::Mat& rgb);

// Swaps the first and third channel of every pixel in place (RGB <-> BGR); the constructor
// swaps when `active`, undo() or the destructor swaps back (once).
class ChannelSwap {
 public:
  ChannelSwap(cv::Mat& image, bool active);
  ~ChannelSwap() { undo(); }
  ChannelSwap(const ChannelSwap&) = delete;
  ChannelSwap& operator=(const ChannelSwap&) = delete;
  void undo();

 private:
  cv::Mat& image_;
  bool active_;
};

}  // namespace shroud::capi
