// Solid fill with a colour given in 8-bit units (scaled to 16-bit images).
#include "shroud/protector.h"

namespace shroud {
namespace {

class FillProtector final : public Protector {
 public:
  std::string name() const override { return "fill"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    const double scale = roi.depth() == CV_16U ? 257.0 : 1.0;
    cv::Scalar c = action.params.fill_color * scale;
    if (roi.channels() == 1) {
      // Grey images get the colour's luma.
      c = cv::Scalar(0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]);
    }
    return cv::Mat(roi.size(), roi.type(), c);
  }
};

}  // namespace

std::unique_ptr<Protector> make_fill_protector() { return std::make_unique<FillProtector>(); }

}  // namespace shroud
