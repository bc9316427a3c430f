// Utility and privacy of a protection method, measured like the GAN+DP paper's Tables 1 and 2:
// how much the image changed (dHash, SSIM, L0, L2, ALD_p over the whole image) and whether a
// machine still finds the protected faces (re-identification by a detector).
//
// Contract: the detector is used from the calling thread only (detectors are not thread-safe).
// Nothing here prints; the CLI (`shroud utility`) formats the rows.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

// Machine re-identification: runs `detector` on `protected_image` and counts the `regions` (found
// in `original`, e.g. by the same detector) for which it still reports a region of the same kind
// overlapping the original box with IoU >= `iou_threshold`.
struct ReidResult {
  int regions = 0;                 // regions looked for
  int found = 0;                   // still detected after protection
  std::vector<bool> found_each;    // per input region
  double rate() const { return regions == 0 ? 0.0 : static_cast<double>(found) / regions; }
};
Result<ReidResult> reidentification(Detector& detector, const cv::Mat& original,
                                    const std::vector<Region>& regions, const cv::Mat& protected_image,
                                    double iou_threshold = 0.3);

struct UtilityOptions {
  // Protection methods by registry name (create_protector); "original" gives the unprotected
  // reference row.
  std::vector<std::string> methods{"blur", "pixelate", "fill"};
  Policy policy;               // box scaling, shape, parameters; `method` is replaced per row
  double iou_threshold = 0.3;  // for re-identification
};

// One row of the table: means over the images in which the detector found at least one region
// that the policy protects (`images`), as in the paper (which averages per image).
struct UtilityRow {
  std::string method;
  int images = 0;
  double dhash = 0.0;          // mean Hamming distance of 64-bit dHashes
  double ssim = 0.0;           // mean SSIM (whole image)
  double l0 = 0.0;             // mean pixels changed
  double l2 = 0.0;             // mean L2 distance (pixel-value units)
  double ald_2 = 0.0;          // mean ALD_2
  double ald_inf = 0.0;        // mean ALD_inf
  int regions = 0;             // protected regions in total
  int redetected = 0;          // of which the detector still finds
  double reid_rate() const { return regions == 0 ? 0.0 : static_cast<double>(redetected) / regions; }
};

struct UtilityTable {
  std::vector<UtilityRow> rows;         // one per method, in the order asked
  int images_total = 0;                 // images given
  int images_without_regions = 0;       // skipped: nothing to protect
};

// Detects regions in each image, protects them with every method and measures the result.
// `images` are (name, pixels) pairs; names only label errors.
Result<UtilityTable> utility_table(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                   Detector& detector, const UtilityOptions& options = {});

}  // namespace shroud
