// Frame preparation shared by the DNN detectors: any supported pixel layout to 8-bit BGR, and
// the resize factor for a detection size.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detect/detectors.h"

namespace shroud {

cv::Mat to_bgr8(const cv::Mat& image) {
  cv::Mat src = image;
  if (src.depth() == CV_16U) src.convertTo(src, CV_8U, 1.0 / 257.0);
  else if (src.depth() != CV_8U) src.convertTo(src, CV_8U);
  cv::Mat bgr;
  if (src.channels() == 1) cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);
  else if (src.channels() == 4) cv::cvtColor(src, bgr, cv::COLOR_BGRA2BGR);
  else bgr = src;
  return bgr;
}

double detection_scale(cv::Size size, int detect_size, double max_upscale) {
  const int longest = std::max(size.width, size.height);
  if (longest <= 0 || detect_size <= 0) return 1.0;
  const double s = static_cast<double>(detect_size) / longest;
  return std::min(s, max_upscale);
}

cv::Rect unscale_box(const cv::Rect2d& b, double scale, const cv::Rect& frame) {
  return cv::Rect(cv::Point(static_cast<int>(std::floor(b.x / scale)), static_cast<int>(std::floor(b.y / scale))),
                  cv::Point(static_cast<int>(std::ceil((b.x + b.width) / scale)),
                            static_cast<int>(std::ceil((b.y + b.height) / scale)))) &
         frame;
}

std::vector<std::string> split_args(const std::string& arg) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= arg.size()) {
    const std::size_t plus = arg.find('+', start);
    const std::string item = arg.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    if (!item.empty()) out.push_back(item);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return out;
}

}  // namespace shroud

namespace shroud {

Result<std::filesystem::path> find_model(const ModelLocator& models, const std::string& file) {
  if (file.find('/') == std::string::npos) return models.find(file);
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) return std::filesystem::path(file);
  return make_error(ErrorCode::kNotFound, "model file '" + file +
                                              "' not found (get the models with scripts/fetch-models, "
                                              "see docs/detection.md)");
}

}  // namespace shroud
