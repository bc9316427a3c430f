// Pixelate: each square cell is replaced by the mean of its pixels. `pixel_cells` cells span
// the longer side of the region; cells at the right/bottom edge may be smaller. A cell is at
// least 2 px wide, so no pixel of a region larger than 1 px is copied unaveraged. Policies and
// seal placeholders keep pixel_cells within the strength floor (policy.h, kMaxPixelCells).
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "shroud/protector.h"

namespace shroud {
namespace {

class PixelateProtector final : public Protector {
 public:
  std::string name() const override { return "pixelate"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    const int cells = std::max(1, action.params.pixel_cells);
    const int cell = std::max(2, (std::max(roi.cols, roi.rows) + cells - 1) / cells);
    cv::Mat out(roi.size(), roi.type());
    for (int y = 0; y < roi.rows; y += cell) {
      for (int x = 0; x < roi.cols; x += cell) {
        const cv::Rect c(x, y, std::min(cell, roi.cols - x), std::min(cell, roi.rows - y));
        out(c).setTo(cv::mean(roi(c)));  // setTo rounds to the nearest integer
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Protector> make_pixelate_protector() { return std::make_unique<PixelateProtector>(); }

}  // namespace shroud
