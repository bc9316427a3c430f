// Region: one sensitive area found in a frame.
//
// Coordinates: pixels of the stored image after EXIF orientation has been applied, origin top
// left, x to the right, y down. Boxes may extend past the image edge as produced by a detector;
// policy clips them.
#pragma once

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud {

enum class Kind { kFace, kEyes, kPlate, kPerson, kVehicle, kText, kCustom };

// Stable lower-case names used in JSON, policies and the CLI: face, eyes, plate, person,
// vehicle, text, custom.
std::string_view kind_name(Kind kind);
Result<Kind> parse_kind(std::string_view name);
std::vector<Kind> all_kinds();

struct Region {
  Kind kind = Kind::kFace;
  cv::Rect box;                          // x, y, width, height in stored-pixel coordinates
  float score = 1.0f;                    // detector confidence in [0, 1]
  std::string detector;                  // name of the detector that produced it
  std::vector<cv::Point2f> landmarks;    // optional (YuNet: right eye, left eye, nose, mouth r, mouth l)
  std::string label;                     // optional class label (e.g. COCO class "car")
  std::string text;                      // optional content (plate text), never logged
  int track_id = -1;                     // video tracker id, -1 when untracked
};

// Intersection over union of two boxes (0 when either is empty).
double iou(const cv::Rect& a, const cv::Rect& b);

// Greedy non-maximum suppression across regions of the same kind; keeps the higher score.
std::vector<Region> suppress_overlaps(std::vector<Region> regions, double iou_threshold);

}  // namespace shroud
