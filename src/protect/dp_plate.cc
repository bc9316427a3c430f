// dp-plate: replaces a licence plate by a synthetic plate whose text was drawn with a DP
// mechanism from the real text, rendered in the plate's style, warped onto the plate's corners
// (4 landmarks, when given) and blended in with Poisson (seamless) cloning.
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "shroud/dp_plate.h"
#include "shroud/protector.h"

namespace shroud {
namespace {

class DpPlateProtector final : public Protector {
 public:
  std::string name() const override { return "dp-plate"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    if (roi.depth() != CV_8U) return make_error(ErrorCode::kUnsupported, "dp-plate needs an 8-bit image");
    const Region& r = action.region;
    if (r.text.empty() && action.params.synthetic_text.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "dp-plate needs each plate's text: give regions with \"text\" (--regions-in FILE)");
    }
    SHROUD_ASSIGN_OR_RETURN(dp::Mechanism mech, dp::parse_mechanism(action.params.mechanism));
    SHROUD_ASSIGN_OR_RETURN(std::string style, dp::resolve_plate_style(action.params.plate_style, r.text));
    std::string text = action.params.synthetic_text;
    if (text.empty()) {
      dp::SecureRandom rng;
      SHROUD_ASSIGN_OR_RETURN(text, dp::privatize_plate(r.text, style, action.params.epsilon, mech, rng));
    }
    // The plate's own box inside the protected rectangle.
    const cv::Rect plate = (r.box - action.rect.tl()) & cv::Rect(0, 0, roi.cols, roi.rows);
    if (plate.width < 4 || plate.height < 4) return make_error(ErrorCode::kInvalidArgument, "plate is too small to render");
    SHROUD_ASSIGN_OR_RETURN(cv::Mat synthetic, dp::render_plate(text, style, plate.size()));

    cv::Mat dst;
    if (roi.channels() == 1) cv::cvtColor(roi, dst, cv::COLOR_GRAY2BGR);
    else dst = roi.clone();
    cv::Mat src(dst.size(), CV_8UC3, cv::Scalar(0, 0, 0));
    cv::Mat mask(dst.size(), CV_8U, cv::Scalar(0));
    if (r.landmarks.size() == 4) {
      // Corners (top-left, top-right, bottom-right, bottom-left) in image coordinates.
      std::vector<cv::Point2f> from = {{0, 0}, {static_cast<float>(plate.width), 0},
                                       {static_cast<float>(plate.width), static_cast<float>(plate.height)},
                                       {0, static_cast<float>(plate.height)}};
      std::vector<cv::Point2f> to;
      for (const auto& p : r.landmarks) to.emplace_back(p.x - action.rect.x, p.y - action.rect.y);
      const cv::Mat h = cv::getPerspectiveTransform(from, to);
      cv::warpPerspective(synthetic, src, h, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
      std::vector<cv::Point> poly(to.begin(), to.end());
      cv::fillConvexPoly(mask, poly, cv::Scalar(255));
    } else {
      synthetic.copyTo(src(plate));
      mask(plate).setTo(255);
    }
    // Poisson cloning needs a margin inside the destination: keep the mask off the border.
    cv::rectangle(mask, cv::Rect(0, 0, mask.cols, mask.rows), cv::Scalar(0), 1);
    const cv::Rect bounds = cv::boundingRect(mask);
    cv::Mat blended = dst.clone();
    if (bounds.area() > 0) {
      try {
        const cv::Point center(bounds.x + bounds.width / 2, bounds.y + bounds.height / 2);
        cv::seamlessClone(src, dst, mask, center, blended, cv::NORMAL_CLONE);
      } catch (const cv::Exception&) {
        src.copyTo(blended, mask);  // degenerate geometry: paste without blending
      }
    }
    // Poisson cloning keeps only the synthetic plate's gradients inside the mask; the original
    // enters only through the mask's boundary ring (the plate's frame), never its characters.
    if (roi.channels() == 1) cv::cvtColor(blended, blended, cv::COLOR_BGR2GRAY);
    return blended;
  }
};

}  // namespace

std::unique_ptr<Protector> make_dp_plate_protector() { return std::make_unique<DpPlateProtector>(); }

}  // namespace shroud
