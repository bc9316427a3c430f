#include "shroud/regions_json.h"

#include <cmath>

namespace shroud {

nlohmann::json region_to_json(const Region& r, bool include_text) {
  nlohmann::json j = {{"kind", std::string(kind_name(r.kind))},
                      {"box", {r.box.x, r.box.y, r.box.width, r.box.height}},
                      {"score", std::round(r.score * 1000.0) / 1000.0},
                      {"detector", r.detector}};
  if (!r.landmarks.empty()) {
    nlohmann::json lm = nlohmann::json::array();
    for (const auto& p : r.landmarks) {
      lm.push_back({std::round(static_cast<double>(p.x) * 10.0) / 10.0, std::round(static_cast<double>(p.y) * 10.0) / 10.0});
    }
    j["landmarks"] = lm;
  }
  if (!r.label.empty()) j["label"] = r.label;
  if (r.track_id >= 0) j["track"] = r.track_id;
  if (include_text && !r.text.empty()) j["text"] = r.text;
  return j;
}

nlohmann::json regions_to_json(const std::string& image, cv::Size size, const std::vector<Region>& regions,
                               bool include_text) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : regions) list.push_back(region_to_json(r, include_text));
  return {{"image", image}, {"width", size.width}, {"height", size.height}, {"regions", list}};
}

void add_actions_json(nlohmann::json& doc, const std::vector<Action>& actions) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : actions) {
    list.push_back({{"kind", std::string(kind_name(a.region.kind))},
                    {"box", {a.rect.x, a.rect.y, a.rect.width, a.rect.height}},
                    {"method", a.method},
                    {"shape", std::string(shape_name(a.shape))}});
  }
  doc["protected"] = list;
}

}  // namespace shroud
