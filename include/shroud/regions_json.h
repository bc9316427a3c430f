// JSON form of regions, shared by `shroud detect --json`, `--regions-json` and manual:FILE.
//   {"image": PATH, "width": W, "height": H,
//    "regions": [{"kind": "face", "box": [x, y, w, h], "score": 0.93, "detector": "yunet"}, ...]}
// Plate text is included only when `include_text` is set (it is personal data).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "shroud/policy.h"
#include "shroud/region.h"

namespace shroud {

nlohmann::json region_to_json(const Region& region, bool include_text = false);
nlohmann::json regions_to_json(const std::string& image, cv::Size size, const std::vector<Region>& regions,
                               bool include_text = false);
// Adds "protected": [{"kind", "box" (the altered rectangle), "method", "shape"}, ...].
void add_actions_json(nlohmann::json& doc, const std::vector<Action>& actions);

}  // namespace shroud
