// Gaussian blur scaled to the region.
//
// sigma = blur_strength * (shorter side) / 2. Large sigmas are computed on a copy downscaled
// (area average) so that the remaining sigma is about 3 px, then scaled back with bilinear
// interpolation: visually the same as a full-resolution Gaussian of that sigma, and independent
// of region size in cost (a 200x200 region costs about as much as a 50x50 one).
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "shroud/protector.h"

namespace shroud {
namespace {

class BlurProtector final : public Protector {
 public:
  std::string name() const override { return "blur"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    const double sigma = std::max(1.0, action.params.blur_strength * std::min(roi.cols, roi.rows) / 2.0);
    constexpr double kTargetSigma = 3.0;
    const double factor = std::max(1.0, std::floor(sigma / kTargetSigma));
    cv::Mat out;
    if (factor <= 1.0) {
      cv::GaussianBlur(roi, out, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT);
      return out;
    }
    const cv::Size small(std::max(1, static_cast<int>(std::ceil(roi.cols / factor))),
                         std::max(1, static_cast<int>(std::ceil(roi.rows / factor))));
    cv::Mat reduced;
    cv::resize(roi, reduced, small, 0, 0, cv::INTER_AREA);
    const double s = sigma / factor;
    cv::GaussianBlur(reduced, reduced, cv::Size(0, 0), s, s, cv::BORDER_REFLECT);
    cv::resize(reduced, out, roi.size(), 0, 0, cv::INTER_LINEAR);
    return out;
  }
};

}  // namespace

std::unique_ptr<Protector> make_blur_protector() { return std::make_unique<BlurProtector>(); }

}  // namespace shroud
