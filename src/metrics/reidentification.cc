// Machine re-identification: does the detector still find the protected regions?
#include "shroud/metrics.h"
#include "shroud/utility.h"

namespace shroud {

Result<ReidResult> reidentification(Detector& detector, const cv::Mat& original,
                                    const std::vector<Region>& regions, const cv::Mat& protected_image,
                                    double iou_threshold) {
  SHROUD_RETURN_IF_ERROR(check_comparable(original, protected_image));
  if (!(iou_threshold > 0.0 && iou_threshold <= 1.0)) {
    return make_error(ErrorCode::kInvalidArgument, "IoU threshold must be in (0, 1]");
  }
  ReidResult out;
  out.regions = static_cast<int>(regions.size());
  out.found_each.assign(regions.size(), false);
  if (regions.empty()) return out;
  SHROUD_ASSIGN_OR_RETURN(auto found, detector.detect(Frame{protected_image, 0, 0.0, "protected"}));
  for (std::size_t i = 0; i < regions.size(); ++i) {
    for (const auto& f : found) {
      if (f.kind == regions[i].kind && iou(f.box, regions[i].box) >= iou_threshold) {
        out.found_each[i] = true;
        ++out.found;
        break;
      }
    }
  }
  return out;
}

}  // namespace shroud
