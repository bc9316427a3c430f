#include "shroud/policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "shroud/dp.h"
#include "shroud/image_io.h"
#include "core/json_number.h"

namespace shroud {

std::string_view shape_name(Shape shape) {
  return shape == Shape::kEllipse ? "ellipse" : "rectangle";
}

Result<Shape> parse_shape(std::string_view name) {
  if (name == "rectangle" || name == "rect") return Shape::kRectangle;
  if (name == "ellipse") return Shape::kEllipse;
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown shape '" + std::string(name) + "' (expected rectangle or ellipse)");
}

std::string Policy::method_for(Kind kind) const {
  auto it = method_by_kind.find(kind);
  return it != method_by_kind.end() ? it->second : method;
}

namespace {

using nlohmann::json;

Status check_keys(const json& obj, std::initializer_list<const char*> allowed,
                  const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) {
      return make_error(ErrorCode::kInvalidArgument,
                        "policy: unknown key '" + it.key() + "' in " + where);
    }
  }
  return ok_status();
}

}  // namespace

Status check_strength_floor(const MethodParams& params) {
  if (params.pixel_cells < 1 || params.pixel_cells > kMaxPixelCells) {
    return make_error(ErrorCode::kInvalidArgument,
                      "pixelate: " + std::to_string(params.pixel_cells) + " cells (--cells, pixel_cells) is outside 1.." +
                          std::to_string(kMaxPixelCells) + ": more cells across a region leave it recognisable and copy "
                          "original pixels (placeholder strength floor, docs/security.md)");
  }
  if (!(params.blur_strength >= kMinBlurStrength && params.blur_strength <= 4.0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "blur: strength " + std::to_string(params.blur_strength) + " (--strength, blur_strength) is outside "
                      "[0.25, 4]: a weaker blur leaves the region recognisable (placeholder strength floor, docs/security.md)");
  }
  return ok_status();
}

namespace {

Status validate(const Policy& p) {
  if (!(p.mask_scale >= 0.1 && p.mask_scale <= 10.0)) {
    return make_error(ErrorCode::kInvalidArgument, "policy: mask_scale must be in [0.1, 10]");
  }
  if (!(p.feather >= 0.0 && p.feather <= 0.5)) {
    return make_error(ErrorCode::kInvalidArgument, "policy: feather must be in [0, 0.5]");
  }
  if (!(p.min_score >= 0.0f && p.min_score <= 1.0f)) {
    return make_error(ErrorCode::kInvalidArgument, "policy: min_score must be in [0, 1]");
  }
  SHROUD_RETURN_IF_ERROR(check_strength_floor(p.params));
  SHROUD_RETURN_IF_ERROR(dp::check_epsilon(p.params.epsilon));
  SHROUD_RETURN_IF_ERROR([&]() -> Status {
    auto m = dp::parse_mechanism(p.params.mechanism);
    return m.ok() ? ok_status() : Status(m.error());
  }());
  if (p.params.plate_style != "auto" && p.params.plate_style != "cn" && p.params.plate_style != "eu" &&
      p.params.plate_style != "us") {
    return make_error(ErrorCode::kInvalidArgument, "policy: plate_style must be auto, cn, eu or us");
  }
  if (p.params.dp_cell < 1 || p.params.dp_cell > 4096 || p.params.dp_m < 1) {
    return make_error(ErrorCode::kInvalidArgument, "policy: dp_cell must be in [1, 4096] and dp_m >= 1");
  }
  if (p.params.ksame_k < 1 || p.params.ksame_k > 10000) {
    return make_error(ErrorCode::kInvalidArgument, "policy: ksame_k must be in [1, 10000]");
  }
  return ok_status();
}

}  // namespace

Status validate_policy(const Policy& p) { return validate(p); }

Result<Policy> parse_policy_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("policy is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "policy must be a JSON object");
  SHROUD_RETURN_IF_ERROR(check_keys(j,
                                    {"kinds", "eyes_only", "method", "methods", "mask_scale", "shape",
                                     "feather", "min_score", "blur_strength", "pixel_cells",
                                     "fill_color", "epsilon", "mechanism", "plate_style", "dp_cell", "dp_m",
                                     "ksame_gallery", "ksame_k", "comment"},
                                    "the policy"));
  Policy p;
  std::string field;  // the key being read, for the error message
  auto at = [&](const char* key) -> const json& {
    field = key;
    return j.at(key);
  };
  try {
    if (j.contains("kinds")) {
      if (!j.at("kinds").is_array()) {
        return make_error(ErrorCode::kInvalidArgument, "policy: \"kinds\" must be an array of kind names, e.g. [\"face\"]");
      }
      p.kinds.clear();
      for (const auto& k : at("kinds")) {
        SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k.get<std::string>()));
        p.kinds.insert(kind);
      }
    }
    if (j.contains("eyes_only")) p.eyes_only = at("eyes_only").get<bool>();
    if (j.contains("method")) p.method = at("method").get<std::string>();
    if (j.contains("methods")) {
      if (!j.at("methods").is_object()) {
        return make_error(ErrorCode::kInvalidArgument, "policy: \"methods\" must be an object of kind: method");
      }
      for (auto it = at("methods").begin(); it != at("methods").end(); ++it) {
        SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(it.key()));
        p.method_by_kind[kind] = it.value().get<std::string>();
      }
    }
    if (j.contains("mask_scale")) p.mask_scale = at("mask_scale").get<double>();
    if (j.contains("shape")) {
      SHROUD_ASSIGN_OR_RETURN(p.shape, parse_shape(at("shape").get<std::string>()));
    }
    if (j.contains("feather")) p.feather = at("feather").get<double>();
    if (j.contains("min_score")) p.min_score = shroud::detail::json_float(at("min_score"));
    if (j.contains("blur_strength")) p.params.blur_strength = at("blur_strength").get<double>();
    if (j.contains("pixel_cells")) p.params.pixel_cells = shroud::detail::json_int(at("pixel_cells"));
    if (j.contains("epsilon")) p.params.epsilon = at("epsilon").get<double>();
    if (j.contains("mechanism")) p.params.mechanism = at("mechanism").get<std::string>();
    if (j.contains("plate_style")) p.params.plate_style = at("plate_style").get<std::string>();
    if (j.contains("dp_cell")) p.params.dp_cell = shroud::detail::json_int(at("dp_cell"));
    if (j.contains("dp_m")) p.params.dp_m = shroud::detail::json_int(at("dp_m"));
    if (j.contains("ksame_gallery")) p.params.ksame_gallery = at("ksame_gallery").get<std::string>();
    if (j.contains("ksame_k")) p.params.ksame_k = shroud::detail::json_int(at("ksame_k"));
    if (j.contains("fill_color")) {
      const auto c = at("fill_color").get<std::vector<double>>();
      if (c.size() != 3) {
        return make_error(ErrorCode::kInvalidArgument, "policy: fill_color must be [B, G, R]");
      }
      p.params.fill_color = cv::Scalar(c[0], c[1], c[2], 0);
    }
  } catch (const std::exception& e) {  // json::exception and json_int's range errors
    return make_error(ErrorCode::kInvalidArgument, "policy: \"" + field + "\": wrong value type: " + e.what());
  }
  SHROUD_RETURN_IF_ERROR(validate(p));
  return p;
}

Result<Policy> load_policy(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, 1 << 20));
  auto policy = parse_policy_json(std::string(bytes.begin(), bytes.end()));
  if (!policy.ok()) return make_error(policy.error().code, "'" + path + "': " + policy.error().message);
  return policy;
}

std::string policy_to_json(const Policy& p) {
  json j;
  j["kinds"] = json::array();
  for (Kind k : p.kinds) j["kinds"].push_back(std::string(kind_name(k)));
  j["eyes_only"] = p.eyes_only;
  j["method"] = p.method;
  j["methods"] = json::object();
  for (const auto& [k, m] : p.method_by_kind) j["methods"][std::string(kind_name(k))] = m;
  j["mask_scale"] = p.mask_scale;
  j["shape"] = std::string(shape_name(p.shape));
  j["feather"] = p.feather;
  j["min_score"] = p.min_score;
  j["blur_strength"] = p.params.blur_strength;
  j["pixel_cells"] = p.params.pixel_cells;
  j["fill_color"] = {p.params.fill_color[0], p.params.fill_color[1], p.params.fill_color[2]};
  j["epsilon"] = p.params.epsilon;
  j["mechanism"] = p.params.mechanism;
  j["plate_style"] = p.params.plate_style;
  j["dp_cell"] = p.params.dp_cell;
  j["dp_m"] = p.params.dp_m;
  j["ksame_gallery"] = p.params.ksame_gallery;
  j["ksame_k"] = p.params.ksame_k;
  return j.dump(2);
}

std::optional<Region> eyes_from_face(const Region& face) {
  if (face.landmarks.size() < 2) return std::nullopt;
  // YuNet landmarks: 0 right eye, 1 left eye (image coordinates).
  const cv::Point2f a = face.landmarks[0], b = face.landmarks[1];
  const float dist = std::hypot(a.x - b.x, a.y - b.y);
  const float pad_x = std::max(0.5f * dist, 0.15f * static_cast<float>(face.box.width));
  const float pad_y = std::max(0.3f * dist, 0.10f * static_cast<float>(face.box.height));
  const float x0 = std::min(a.x, b.x) - pad_x, x1 = std::max(a.x, b.x) + pad_x;
  const float y0 = std::min(a.y, b.y) - pad_y, y1 = std::max(a.y, b.y) + pad_y;
  Region eyes = face;
  eyes.kind = Kind::kEyes;
  eyes.box = cv::Rect(cv::Point(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0))),
                      cv::Point(static_cast<int>(std::ceil(x1)), static_cast<int>(std::ceil(y1))));
  eyes.landmarks = {a, b};
  return eyes;
}

cv::Rect scale_and_clip(const cv::Rect& box, double scale, cv::Size bounds) {
  if (box.width <= 0 || box.height <= 0 || bounds.width <= 0 || bounds.height <= 0) return {};
  const double cx = box.x + box.width / 2.0, cy = box.y + box.height / 2.0;
  const double hw = box.width * scale / 2.0, hh = box.height * scale / 2.0;
  const std::int64_t x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(cx - hw)));
  const std::int64_t y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(cy - hh)));
  const std::int64_t x1 = std::min<std::int64_t>(bounds.width, static_cast<std::int64_t>(std::ceil(cx + hw)));
  const std::int64_t y1 = std::min<std::int64_t>(bounds.height, static_cast<std::int64_t>(std::ceil(cy + hh)));
  if (x1 <= x0 || y1 <= y0) return {};
  return cv::Rect(static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
                  static_cast<int>(y1 - y0));
}

std::vector<Action> plan_actions(const std::vector<Region>& regions, cv::Size image_size,
                                 const Policy& policy) {
  std::vector<Action> actions;
  for (const Region& r : regions) {
    if (r.score < policy.min_score) continue;
    Region target = r;
    if (r.kind == Kind::kFace && policy.eyes_only) {
      // Faces without landmarks (cascades) are protected whole: privacy over precision.
      if (auto eyes = eyes_from_face(r)) target = *eyes;
    }
    const bool wanted = policy.kinds.count(target.kind) > 0 ||
                        (target.kind == Kind::kEyes && policy.kinds.count(Kind::kFace) > 0);
    if (!wanted) continue;
    const cv::Rect rect = scale_and_clip(target.box, policy.mask_scale, image_size);
    if (rect.empty()) continue;
    Action a;
    a.region = target;
    a.rect = rect;
    a.shape = policy.shape;
    a.feather = policy.feather;
    a.method = policy.method_for(target.kind == Kind::kEyes ? Kind::kFace : target.kind);
    if (auto it = policy.method_by_kind.find(target.kind); it != policy.method_by_kind.end()) {
      a.method = it->second;
    }
    a.params = policy.params;
    actions.push_back(std::move(a));
  }
  return actions;
}

}  // namespace shroud
