// Policy: which detected regions to protect, and how. A pure function from regions + frame size
// + the user's choices to Actions; it never touches pixels.
//
// Defaults lean towards privacy: faces and plates are protected, boxes are enlarged by 1.3,
// rectangles (which cover more than ellipses), no minimum score beyond the detector's own.
#pragma once

#include <opencv2/core.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

enum class Shape { kRectangle, kEllipse };
std::string_view shape_name(Shape shape);
Result<Shape> parse_shape(std::string_view name);

// Parameters of the irreversible protectors. Plain data, no secrets.
struct MethodParams {
  double blur_strength = 0.5;     // Gaussian sigma as a fraction of the region's shorter side / 2
  int pixel_cells = 10;           // pixelate: cells across the longer side of the region
  cv::Scalar fill_color{0, 0, 0, 0};  // fill: B, G, R (alpha is never changed)
  // Differential privacy (dp-pixelate, dp-plate).
  double epsilon = 1.0;           // privacy budget (per image for dp-pixelate, per symbol for dp-plate)
  std::string mechanism = "rr";   // dp-plate: rr (k-ary randomized response) or paper (Laplace + wrap)
  std::string plate_style = "auto";  // dp-plate: auto, cn, eu, us
  int dp_cell = 16;               // dp-pixelate: cell side b in pixels
  int dp_m = 16;                  // dp-pixelate: pixels in which neighbouring images may differ
  std::string synthetic_text;     // dp-plate: use this text instead of drawing (one draw per track)
  // generate: face encoder and generator (ONNX, through cv::dnn), latent L1 clip, input side.
  std::string generator_encoder;
  std::string generator_model;
  double latent_clip = 1.0;
  int generator_size = 256;
  // ksame: folder of aligned face crops (docs/ksame.md) and k (faces averaged per replacement).
  std::string ksame_gallery;
  int ksame_k = 5;
};

// Placeholder strength floor (docs/security.md). Below it a "protected" region stays recognisable
// and, for pixelate, copies original pixels unchanged (one cell per pixel):
// - pixelate: at most kMaxPixelCells cells across the region's longer side (so at most
//   kMaxPixelCells^2 averaged colours per region), and every cell at least 2 px wide;
// - blur: sigma at least kMinBlurStrength x (shorter side) / 2, i.e. 1/8 of the shorter side.
// validate_policy() and the seal's placeholders refuse parameters below the floor.
inline constexpr int kMaxPixelCells = 16;
inline constexpr double kMinBlurStrength = 0.25;
Status check_strength_floor(const MethodParams& params);

struct Policy {
  // Kinds to protect. `custom` is what a regions file entry without a kind is: no default detector
  // reports it, and a region someone listed by hand is protected unless the policy says otherwise.
  std::set<Kind> kinds{Kind::kFace, Kind::kPlate, Kind::kCustom};
  bool eyes_only = false;        // protect only the eyes of faces (needs landmarks)
  std::string method = "blur";   // default protection method
  std::map<Kind, std::string> method_by_kind;  // per-kind override
  double mask_scale = 1.3;       // box enlargement around its centre
  Shape shape = Shape::kRectangle;
  double feather = 0.0;          // soft edge width as a fraction of the region's shorter side
  float min_score = 0.0f;        // drop regions scored below this
  MethodParams params;

  std::string method_for(Kind kind) const;
};

// One region to protect: the detected region and the clipped, scaled rectangle to alter.
struct Action {
  Region region;
  cv::Rect rect;      // inside the image, never empty
  Shape shape = Shape::kRectangle;
  double feather = 0.0;
  std::string method;
  MethodParams params;
};

// Loads a policy from a JSON file (format in docs/policy.md); unknown keys are errors.
Result<Policy> load_policy(const std::string& path);
Result<Policy> parse_policy_json(const std::string& text);
// Checks every value of a policy built in code or from flags (ranges, epsilon, names).
Status validate_policy(const Policy& policy);
std::string policy_to_json(const Policy& policy);

// Eye regions derived from a face's landmarks (one box covering both eyes); nullopt without
// landmarks.
std::optional<Region> eyes_from_face(const Region& face);

// Regions -> actions: filter by kind and score, replace faces by eyes when asked, scale the box,
// clip it to the image. Regions that fall wholly outside the image produce no action.
std::vector<Action> plan_actions(const std::vector<Region>& regions, cv::Size image_size,
                                 const Policy& policy);

// Scales `box` by `scale` around its centre and clips it to `bounds` (64-bit arithmetic, so
// x + w never overflows). Empty when nothing of the box is inside.
cv::Rect scale_and_clip(const cv::Rect& box, double scale, cv::Size bounds);

}  // namespace shroud
