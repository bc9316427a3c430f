// Input checks shared by the metrics.
#include <string>

#include "shroud/metrics.h"

namespace shroud {
namespace {

std::string describe(const cv::Mat& m) {
  const char* depth = m.depth() == CV_8U ? "8-bit" : m.depth() == CV_16U ? "16-bit" : "unsupported-depth";
  return std::to_string(m.cols) + "x" + std::to_string(m.rows) + " " + depth + " " +
         std::to_string(m.channels()) + "-channel";
}

}  // namespace

Status check_metric_image(const cv::Mat& image) {
  if (image.empty()) return make_error(ErrorCode::kInvalidArgument, "image is empty");
  if (image.depth() != CV_8U && image.depth() != CV_16U) {
    return make_error(ErrorCode::kUnsupported, "metrics need 8- or 16-bit unsigned images");
  }
  if (image.channels() < 1 || image.channels() > 4) {
    return make_error(ErrorCode::kUnsupported, "metrics need images with 1 to 4 channels");
  }
  if (image.dims != 2) return make_error(ErrorCode::kUnsupported, "metrics need 2-D images");
  return ok_status();
}

Status check_comparable(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(a));
  SHROUD_RETURN_IF_ERROR(check_metric_image(b));
  if (a.size() != b.size() || a.type() != b.type()) {
    return make_error(ErrorCode::kInvalidArgument, "images differ in size or type: " + describe(a) +
                                                       " vs " + describe(b));
  }
  return ok_status();
}

double peak_value(const cv::Mat& image) { return image.depth() == CV_16U ? 65535.0 : 255.0; }

}  // namespace shroud
