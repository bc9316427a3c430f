// Evaluation of DP plates (issue: DP de-identification): how far synthetic plate texts are from
// the real ones at each epsilon, and how much of the rest of the image each method keeps.
#pragma once

#include <string>
#include <vector>

#include "shroud/dp.h"
#include "shroud/eval.h"
#include "shroud/result.h"

namespace shroud::dp {

struct TextDistanceRow {
  std::string mechanism;
  double epsilon = 0;
  int samples = 0;                  // plates x draws
  std::vector<double> distance;     // share of draws at edit distance 0, 1, 2, 3, > 3
  double mean_distance = 0;
  double protected_share = 0;       // distance > 3 (the paper's criterion)
  double mean_true_epsilon = 0;     // per plate
  double mean_nominal_epsilon = 0;  // per plate
};

// Edit distances between each text and `draws` synthetic versions per (mechanism, epsilon).
Result<std::vector<TextDistanceRow>> evaluate_plate_texts(const std::vector<std::string>& texts,
                                                          const std::vector<double>& epsilons, int draws);

struct UtilityRow {
  std::string method;
  int images = 0;
  double ssim_outside = 0;  // mean SSIM with the plate box excluded (copied from the original)
  double dhash = 0;         // mean dHash distance of the whole image (bits of 64)
};

// Protects the labelled plate of every image with each method (default policy, dp-plate at
// `epsilon` with randomized response) and measures what the rest of the image keeps.
Result<std::vector<UtilityRow>> evaluate_plate_utility(const Dataset& plates, const std::vector<std::string>& methods,
                                                       double epsilon);

}  // namespace shroud::dp
