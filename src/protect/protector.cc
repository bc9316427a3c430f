// Shared part of every irreversible protector: type checks, alpha handling, shape and feather.
#include <opencv2/imgproc.hpp>

#include <algorithm>

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

// Weight mask in [0, 1] (CV_32F) for the shape with a soft edge of `feather` * shorter side.
cv::Mat shape_mask(cv::Size size, Shape shape, double feather) {
  cv::Mat mask(size, CV_32F, cv::Scalar(0));
  if (shape == Shape::kEllipse) {
    const cv::RotatedRect box(cv::Point2f(size.width / 2.0f, size.height / 2.0f),
                              cv::Size2f(static_cast<float>(size.width), static_cast<float>(size.height)), 0.0f);
    cv::ellipse(mask, box, cv::Scalar(1.0), cv::FILLED, cv::LINE_AA);
  } else {
    mask.setTo(1.0);
  }
  if (feather > 0.0) {
    const double width = feather * std::min(size.width, size.height);
    if (width >= 1.0) {
      // Fade to zero at the border of the rectangle, then soften the shape's own edge.
      const int w = static_cast<int>(width);
      for (int y = 0; y < size.height; ++y) {
        float* row = mask.ptr<float>(y);
        const int dy = std::min(y, size.height - 1 - y);
        for (int x = 0; x < size.width; ++x) {
          const int d = std::min({dy, x, size.width - 1 - x});
          if (d < w) row[x] *= static_cast<float>(d + 1) / static_cast<float>(w + 1);
        }
      }
      if (shape == Shape::kEllipse) {
        cv::GaussianBlur(mask, mask, cv::Size(0, 0), width / 3.0, width / 3.0, cv::BORDER_CONSTANT);
      }
    }
  }
  return mask;
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
  } else {
    const cv::Mat mask = shape_mask(color.size(), action.shape, action.feather);
    cv::Mat mask_c;
    cv::Mat planes[] = {mask, mask, mask};
    cv::merge(planes, color.channels(), mask_c);
    cv::Mat e, c;
    effect.convertTo(e, CV_32F);
    color.convertTo(c, CV_32F);
    cv::Mat blended = c + (e - c).mul(mask_c);
    blended.convertTo(color, color.type());  // rounds and saturates
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
