// Shared part of every irreversible protector: type checks, alpha handling, shape and feather.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "shroud/protector.h"

namespace shroud {

Status check_supported_image(const cv::Mat& image) {
  if (image.empty()) return make_error(ErrorCode::kInvalidArgument, "image is empty");
  if (image.depth() != CV_8U && image.depth() != CV_16U) {
    return make_error(ErrorCode::kUnsupported, "only 8- and 16-bit unsigned images are supported");
  }
  const int c = image.channels();
  if (c != 1 && c != 3 && c != 4) {
    return make_error(ErrorCode::kUnsupported, "only 1, 3 and 4 channel images are supported");
  }
  return ok_status();
}

namespace {

// Blends `effect` into `color` inside the shape. Weight 1 inside, falling linearly to 0 over a
// soft edge of `feather` x the shorter side (measured inwards from the boundary), 0 outside.
// One fused pass; square roots only in the soft band of an ellipse.
template <typename T>
void blend_shape(const cv::Mat& effect, cv::Mat& color, Shape shape, double feather) {
  const int cn = color.channels();
  const double width = feather > 0.0 ? std::max(1.0, feather * std::min(color.cols, color.rows)) : 0.0;
  const double a = color.cols / 2.0, b = color.rows / 2.0, r_min = std::min(a, b);
  // Ellipse: normalised radius below `full` is fully inside the hard part.
  const double full = width > 0 ? std::max(0.0, 1.0 - width / r_min) : 1.0;
  for (int y = 0; y < color.rows; ++y) {
    const T* e = effect.ptr<T>(y);
    T* c = color.ptr<T>(y);
    const double py = y + 0.5;
    const double dy = (py - b) / b;
    for (int x = 0; x < color.cols; ++x) {
      const double px = x + 0.5;
      double w;
      if (shape == Shape::kEllipse) {
        const double dx = (px - a) / a;
        const double r2 = dx * dx + dy * dy;
        if (r2 >= 1.0) continue;
        if (width <= 0.0 || r2 <= full * full) {
          w = 1.0;
        } else {
          w = (1.0 - std::sqrt(r2)) * r_min / width;
        }
      } else {
        const double inside = std::min(std::min(px, py), std::min(color.cols - px, color.rows - py));
        w = width > 0.0 ? std::min(1.0, inside / width) : 1.0;
      }
      T* cp = c + x * cn;
      const T* ep = e + x * cn;
      if (w >= 1.0) {
        for (int k = 0; k < cn; ++k) cp[k] = ep[k];
      } else {
        for (int k = 0; k < cn; ++k) {
          cp[k] = cv::saturate_cast<T>(cp[k] + (static_cast<double>(ep[k]) - cp[k]) * w);
        }
      }
    }
  }
}

}  // namespace

Status Protector::apply(cv::Mat& image, const Action& action) const {
  SHROUD_RETURN_IF_ERROR(check_supported_image(image));
  const cv::Rect bounds(0, 0, image.cols, image.rows);
  if (action.rect.empty() || (action.rect & bounds) != action.rect) {
    return make_error(ErrorCode::kInvalidArgument, "region is empty or outside the image");
  }
  cv::Mat roi = image(action.rect);
  const int channels = image.channels();
  cv::Mat color;
  if (channels == 4) {
    color.create(roi.size(), CV_MAKETYPE(image.depth(), 3));
    const int from_to[] = {0, 0, 1, 1, 2, 2};
    cv::mixChannels(&roi, 1, &color, 1, from_to, 3);
  } else {
    color = roi.clone();
  }

  SHROUD_ASSIGN_OR_RETURN(cv::Mat effect, render(color, action));
  if (effect.size() != color.size() || effect.type() != color.type()) {
    return make_error(ErrorCode::kInternal, name() + ": protector returned a wrongly shaped region");
  }

  if (action.shape == Shape::kRectangle && action.feather <= 0.0) {
    color = effect;
  } else if (color.depth() == CV_8U) {
    blend_shape<std::uint8_t>(effect, color, action.shape, action.feather);
  } else {
    blend_shape<std::uint16_t>(effect, color, action.shape, action.feather);
  }

  if (channels == 4) {
    const int from_to[] = {0, 0, 1, 1, 2, 2};
    cv::mixChannels(&color, 1, &roi, 1, from_to, 3);
  } else {
    color.copyTo(roi);
  }
  return ok_status();
}

}  // namespace shroud
