// DP-Pix (Fan 2018): pixelize with b x b cells, then add Laplace noise to each cell mean.
//
// Neighbouring images differ in at most m pixels, so a cell mean of n pixels changes by at most
// peak * min(m, n) / n; Laplace noise of that sensitivity / epsilon makes each released cell
// epsilon-DP, and cells are disjoint (parallel composition), so the region is epsilon-DP. For
// full cells this is the paper's scale 255 m / (b^2 epsilon).
#include <algorithm>
#include <cmath>

#include "shroud/dp.h"
#include "shroud/protector.h"

namespace shroud {
namespace {

class DpPixelateProtector final : public Protector {
 public:
  std::string name() const override { return "dp-pixelate"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    SHROUD_RETURN_IF_ERROR(dp::check_epsilon(action.params.epsilon));
    const int b = std::max(1, action.params.dp_cell);
    const double peak = roi.depth() == CV_16U ? 65535.0 : 255.0;
    dp::SecureRandom rng;
    cv::Mat out(roi.size(), roi.type());
    for (int y = 0; y < roi.rows; y += b) {
      for (int x = 0; x < roi.cols; x += b) {
        const cv::Rect c(x, y, std::min(b, roi.cols - x), std::min(b, roi.rows - y));
        const double n = static_cast<double>(c.area());
        const double scale = peak * std::min<double>(action.params.dp_m, n) / (n * action.params.epsilon);
        cv::Scalar mean = cv::mean(roi(c));
        for (int k = 0; k < roi.channels(); ++k) {
          SHROUD_ASSIGN_OR_RETURN(double noise, rng.laplace(scale));
          mean[k] = std::clamp(mean[k] + noise, 0.0, peak);
        }
        out(c).setTo(mean);
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Protector> make_dp_pixelate_protector() { return std::make_unique<DpPixelateProtector>(); }

}  // namespace shroud
