// Internal: the face-free photos the generated sets (faces-small in composite.cc, text-rendered
// in text_composite.cc) paste into, and the frame of one generated image.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "shroud/eval.h"
#include "shroud/result.h"

namespace shroud {

// The sample photos with no faces in them (checked by eye) from Debian's opencv-doc and
// python3-skimage that can be read, in a fixed order, as 8-bit BGR; those whose file names are
// in `leave_out` are skipped (the set's pixels depend on the list, so a set keeps its own).
// kNotFound "SET: background photos missing (...)" when fewer than 3 are readable.
Result<std::vector<cv::Mat>> load_backgrounds(const std::string& set, const std::vector<std::string>& leave_out = {});

// Image `n` of a generated set: background n (cycling) stretched to `size`, named
// SET/PREFIXn_WxH.png; the caller adds the pixels it pastes and their labels.
LabeledImage generated_image(const std::vector<cv::Mat>& backgrounds, int n, cv::Size size, const std::string& set,
                             const std::string& prefix);

}  // namespace shroud
