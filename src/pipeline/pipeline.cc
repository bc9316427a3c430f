#include "shroud/pipeline.h"

#include <map>

#include "shroud/protector.h"

namespace shroud {

Status apply_actions(cv::Mat& image, const std::vector<Action>& actions) {
  std::map<std::string, std::unique_ptr<Protector>> protectors;
  for (const Action& a : actions) {
    auto& p = protectors[a.method];
    if (!p) {
      SHROUD_ASSIGN_OR_RETURN(p, create_protector(a.method));
    }
    SHROUD_RETURN_IF_ERROR(p->apply(image, a));
  }
  return ok_status();
}

Result<RedactionResult> redact_frame(Frame& frame, Detector& detector, const Policy& policy) {
  RedactionResult result;
  SHROUD_ASSIGN_OR_RETURN(result.regions, detector.detect(frame));
  result.actions = plan_actions(result.regions, frame.image.size(), policy);
  SHROUD_RETURN_IF_ERROR(apply_actions(frame.image, result.actions));
  return result;
}

}  // namespace shroud
