// 64-bit difference hash (Krawetz's dHash, the imagehash.dhash bit layout).
#include <opencv2/imgproc.hpp>

#include <bit>

#include "shroud/metrics.h"

namespace shroud {

Result<std::uint64_t> dhash(const cv::Mat& image) {
  SHROUD_RETURN_IF_ERROR(check_metric_image(image));
  try {
    cv::Mat f;
    image.convertTo(f, CV_32F, 255.0 / peak_value(image));
    cv::Mat grey;
    switch (image.channels()) {
      case 1: grey = f; break;
      case 3: cv::cvtColor(f, grey, cv::COLOR_BGR2GRAY); break;
      case 4: cv::cvtColor(f, grey, cv::COLOR_BGRA2GRAY); break;
      default: {  // 2 channels: mean of the two
        cv::Mat planes[2];
        cv::split(f, planes);
        grey = (planes[0] + planes[1]) * 0.5;
      }
    }
    cv::Mat small;
    cv::resize(grey, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
    std::uint64_t hash = 0;
    for (int r = 0; r < 8; ++r) {
      const float* p = small.ptr<float>(r);
      for (int c = 0; c < 8; ++c) {
        if (p[c + 1] > p[c]) hash |= std::uint64_t{1} << (63 - (r * 8 + c));
      }
    }
    return hash;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("dHash: ") + e.what());
  }
}

int hamming_distance(std::uint64_t a, std::uint64_t b) { return std::popcount(a ^ b); }

Result<int> dhash_distance(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t ha, dhash(a));
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t hb, dhash(b));
  return hamming_distance(ha, hb);
}

}  // namespace shroud
