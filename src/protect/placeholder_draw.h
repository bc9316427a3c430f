// Drawing a placeholder over a sealed region (seal.cc for images, track_writer.cc for video).
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>

#include "shroud/placeholder.h"
#include "shroud/policy.h"
#include "shroud/result.h"

namespace shroud {

// Draws `placeholder` over `action.rect` of `image` (shape and feather as the action says).
// Noise is drawn from an RNG seeded with `noise_seed` (from the CSPRNG, per region).
Status draw_placeholder(cv::Mat& image, const Action& action, Placeholder placeholder, std::uint64_t noise_seed);

}  // namespace shroud
