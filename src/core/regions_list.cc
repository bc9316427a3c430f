#include "shroud/regions_list.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "shroud/image_io.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace shroud {
namespace {

constexpr std::int64_t kMaxRegionsFile = 64LL * 1024 * 1024;

Error invalid(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "regions file: " + what); }

std::string normal(const std::string& p) { return fs::path(p).lexically_normal().string(); }

bool same_path(const std::string& listed, const std::string& image) {
  if (listed == normal(image)) return true;
  std::error_code e1, e2;
  const fs::path a = fs::weakly_canonical(listed, e1), b = fs::weakly_canonical(image, e2);
  return !e1 && !e2 && a == b;
}

Result<std::vector<Region>> region_list(const json& list, const std::string& where) {
  if (!list.is_array()) return invalid(where + ": \"regions\" must be an array");
  std::vector<Region> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto r = region_from_json(list[i]);
    if (!r.ok()) return invalid(where + ", region " + std::to_string(i) + ": " + r.error().message);
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

Result<Region> region_from_json(const json& r) {
  if (!r.is_object()) return make_error(ErrorCode::kInvalidArgument, "a region must be an object");
  Region out;
  out.detector = "manual";
  try {
    SHROUD_ASSIGN_OR_RETURN(out.kind, parse_kind(r.value("kind", std::string("custom"))));
    if (!r.contains("box")) return make_error(ErrorCode::kInvalidArgument, "region has no \"box\": [x, y, w, h]");
    const json& jbox = r.at("box");
    if (!jbox.is_array() || jbox.size() != 4 ||
        !std::all_of(jbox.begin(), jbox.end(), [](const json& v) { return v.is_number(); })) {
      std::string shown = jbox.dump();
      if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
      return make_error(ErrorCode::kInvalidArgument, "region box must be [x, y, w, h]: four numbers, got " + shown);
    }
    const auto box = jbox.get<std::vector<double>>();
    if (!(box[2] > 0) || !(box[3] > 0)) {
      return make_error(ErrorCode::kInvalidArgument, "region box must be [x, y, w, h] with w, h > 0");
    }
    for (double v : box) {
      if (!std::isfinite(v) || std::abs(v) > 1e9) {
        return make_error(ErrorCode::kInvalidArgument, "region box values must be finite pixel coordinates");
      }
    }
    out.box = cv::Rect(static_cast<int>(std::floor(box[0])), static_cast<int>(std::floor(box[1])),
                       static_cast<int>(std::ceil(box[2])), static_cast<int>(std::ceil(box[3])));
    out.score = r.value("score", 1.0f);
    out.text = r.value("text", std::string());
    out.label = r.value("label", std::string());
    if (r.contains("detector")) out.detector = r.at("detector").get<std::string>();
    if (r.contains("landmarks")) {
      for (const auto& p : r.at("landmarks")) {
        const auto xy = p.get<std::vector<float>>();
        if (xy.size() == 2) out.landmarks.emplace_back(xy[0], xy[1]);
      }
    }
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("malformed region: ") + e.what());
  }
  return out;
}

Result<RegionsList> RegionsList::parse(const std::string& text) {
  std::vector<json> docs;
  try {
    json whole = json::parse(text, nullptr, false);
    if (!whole.is_discarded()) {
      if (whole.is_array()) docs.assign(whole.begin(), whole.end());
      else docs.push_back(std::move(whole));
    } else {
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        docs.push_back(json::parse(line));
      }
    }
  } catch (const json::exception& e) {
    return invalid(std::string("not valid JSON: ") + e.what());
  }
  if (docs.empty()) return invalid("no entries");
  RegionsList out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const json& d = docs[i];
    const std::string where = "entry " + std::to_string(i);
    if (!d.is_object() || !d.contains("regions")) return invalid(where + " needs a \"regions\" array");
    SHROUD_ASSIGN_OR_RETURN(std::vector<Region> regions, region_list(d.at("regions"), where));
    if (!d.contains("image")) {
      if (out.fallback_) return invalid("two entries without \"image\" (" + where + ")");
      out.fallback_ = std::move(regions);
      continue;
    }
    if (!d.at("image").is_string() || d.at("image").get<std::string>().empty()) {
      return invalid(where + ": \"image\" must be a non-empty path string");
    }
    const std::string path = normal(d.at("image").get<std::string>());
    for (const auto& [p, r] : out.by_image_) {
      if (p == path) return invalid("\"" + path + "\" is listed twice (" + where + ")");
    }
    out.by_image_.emplace_back(path, std::move(regions));
  }
  return out;
}

Result<RegionsList> RegionsList::load(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, kMaxRegionsFile));
  auto list = parse(std::string(bytes.begin(), bytes.end()));
  if (!list.ok()) return make_error(list.error().code, "'" + path + "': " + list.error().message);
  return list;
}

Result<std::vector<Region>> RegionsList::lookup(const std::string& image, bool allow_unlisted) const {
  if (!image.empty()) {
    for (const auto& [p, r] : by_image_) {
      if (same_path(p, image)) return r;
    }
  }
  if (fallback_) return *fallback_;
  if (allow_unlisted) return std::vector<Region>{};
  return make_error(ErrorCode::kNotFound, "no entry of the regions file names '" + image +
                                              "' (entries match the path as given; --allow-unlisted "
                                              "processes such images with no regions)");
}

}  // namespace shroud
