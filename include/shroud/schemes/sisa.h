// SISA prioritisation and security levels (SCHEMES.md 3; sisa-selective-encryption-blurring).
//
// Priority: regions are ordered by the user's kind preference first (position in
// kind_priority; kinds not listed come after all listed ones, equally), then by affinity to the
// image centre: distance from the box centre to the image centre divided by the half-diagonal
// (0 = centred, 1 = a corner), closer first; then larger clipped area, then input order.
// Level l in 1..L sets the target fraction of the image area to alter: 30% at l = 1 growing
// linearly to 100% at l = L (L = 5: 30, 47.5, 65, 82.5, 100%; L = 1: 100%). Regions are taken
// in priority order until the union of their (clipped) boxes covers the target. When the next
// region would overshoot and allow_partial is set, only its top rows are taken (the fewest rows
// that reach the target). When every region is taken and the target is still not covered and
// fill_from_centre is set, a centred rectangle with the image's aspect ratio (the smallest that
// reaches the target) is added; at 100% it is the whole image.
// Levels below encrypt_from_level blur, the others encrypt.
//
// Pure geometry: no pixels, no keys. The paper's AES-CFB encryption is in sisa_paper.h.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud::schemes {

enum class SisaOperation { kBlur, kEncrypt };
const char* sisa_operation_name(SisaOperation op);   // "blur", "encrypt"

struct SisaParams {
  int levels = 5;                 // L >= 1
  int level = 1;                  // 1..L
  std::vector<Kind> kind_priority{Kind::kFace, Kind::kPerson, Kind::kText};
  int encrypt_from_level = 3;     // levels >= this encrypt; below it blur
  bool allow_partial = false;     // the last region may be cut to hit the target
  bool fill_from_centre = true;   // complete the target with a centred rectangle

  nlohmann::json to_json() const;
  static Result<SisaParams> from_json(const nlohmann::json& json);
};

Status check_sisa_params(const SisaParams& params);

// 0.3 + 0.7 (level - 1) / (levels - 1); 1.0 when levels == 1. Level must be valid.
double sisa_target_fraction(int level, int levels);

SisaOperation sisa_operation(const SisaParams& params);

struct SisaCandidate {
  int index = 0;             // position in the input regions
  cv::Rect box;              // clipped to the image (regions wholly outside are dropped)
  int kind_rank = 0;         // position of its kind in kind_priority (size() when absent)
  double centre_distance = 0;   // 0..1, normalised by the half-diagonal
};

// Regions in priority order (highest first).
std::vector<SisaCandidate> sisa_prioritise(const std::vector<Region>& regions, cv::Size image,
                                           const std::vector<Kind>& kind_priority);

struct SisaSelection {
  SisaOperation operation = SisaOperation::kBlur;
  double target_fraction = 0;    // of the image area
  double covered_fraction = 0;   // union of `rects` / image area
  std::vector<cv::Rect> rects;   // to alter, in priority order
  std::vector<int> sources;      // input region index per rect, -1 for the centre fill
  bool partial_last = false;     // the last region rect was cut
};

Result<SisaSelection> sisa_select(const std::vector<Region>& regions, cv::Size image, const SisaParams& params);

// Exact area of the union of rectangles (64-bit, coordinate compression).
std::int64_t union_area(const std::vector<cv::Rect>& rects);

}  // namespace shroud::schemes
