#include "shroud/region.h"

#include <algorithm>
#include <array>
#include <string>

namespace shroud {
namespace {
constexpr std::array<std::pair<Kind, std::string_view>, 7> kKindNames{{
    {Kind::kFace, "face"},
    {Kind::kEyes, "eyes"},
    {Kind::kPlate, "plate"},
    {Kind::kPerson, "person"},
    {Kind::kVehicle, "vehicle"},
    {Kind::kText, "text"},
    {Kind::kCustom, "custom"},
}};
}  // namespace

std::string_view kind_name(Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "custom";
}

Result<Kind> parse_kind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown region kind '" + std::string(name) +
                        "' (expected face, eyes, plate, person, vehicle, text or custom)");
}

std::vector<Kind> all_kinds() {
  std::vector<Kind> kinds;
  for (const auto& [k, name] : kKindNames) kinds.push_back(k);
  return kinds;
}

double iou(const cv::Rect& a, const cv::Rect& b) {
  if (a.empty() || b.empty()) return 0.0;
  const double inter = static_cast<double>((a & b).area());
  const double uni = static_cast<double>(a.area()) + static_cast<double>(b.area()) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<Region> suppress_overlaps(std::vector<Region> regions, double iou_threshold) {
  std::stable_sort(regions.begin(), regions.end(),
                   [](const Region& a, const Region& b) { return a.score > b.score; });
  std::vector<Region> kept;
  for (auto& r : regions) {
    bool overlaps = false;
    for (const auto& k : kept) {
      if (k.kind == r.kind && iou(k.box, r.box) > iou_threshold) {
        overlaps = true;
        break;
      }
    }
    if (!overlaps) kept.push_back(std::move(r));
  }
  return kept;
}

}  // namespace shroud
