// The redaction pipeline for one image: detect -> policy -> protect.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/result.h"

namespace shroud {

// Applies the irreversible protector of each action to `image`, in order.
Status apply_actions(cv::Mat& image, const std::vector<Action>& actions);

struct RedactionResult {
  std::vector<Region> regions;   // everything detected
  std::vector<Action> actions;   // what was protected
};

// Detects with `detector`, plans with `policy`, and protects `frame.image` in place.
Result<RedactionResult> redact_frame(Frame& frame, Detector& detector, const Policy& policy);

}  // namespace shroud
