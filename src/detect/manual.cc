// manual:<file.json> — regions listed by the user (or exported by `shroud detect --json`).
// zones:<file.json>  — fixed privacy zones of a camera, in pixels or as fractions of the frame.
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "detect/detectors.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace shroud {
namespace {

constexpr std::int64_t kMaxRegionsFile = 64LL * 1024 * 1024;

Result<Region> parse_region(const json& r) {
  if (!r.is_object()) return make_error(ErrorCode::kInvalidArgument, "a region must be an object");
  Region out;
  out.detector = "manual";
  try {
    SHROUD_ASSIGN_OR_RETURN(out.kind, parse_kind(r.value("kind", std::string("custom"))));
    const auto box = r.at("box").get<std::vector<double>>();
    if (box.size() != 4 || !(box[2] > 0) || !(box[3] > 0)) {
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

Result<std::vector<Region>> parse_region_list(const json& list) {
  if (!list.is_array()) return make_error(ErrorCode::kInvalidArgument, "\"regions\" must be an array");
  std::vector<Region> out;
  for (const auto& r : list) {
    SHROUD_ASSIGN_OR_RETURN(Region region, parse_region(r));
    out.push_back(std::move(region));
  }
  return out;
}

bool same_image(const std::string& listed, const std::string& image) {
  if (listed == image) return true;
  return fs::path(listed).filename() == fs::path(image).filename();
}

class ListedRegionsDetector final : public Detector {
 public:
  ListedRegionsDetector(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}
  std::string name() const override { return name_; }
  Result<std::vector<Region>> detect(const Frame& frame) override {
    return parse_regions_json(text_, frame.source);
  }

 private:
  std::string name_;
  std::string text_;
};

class ZonesDetector final : public Detector {
 public:
  explicit ZonesDetector(json zones) : zones_(std::move(zones)) {}
  std::string name() const override { return "zones"; }
  Result<std::vector<Region>> detect(const Frame& frame) override {
    std::vector<Region> out;
    for (const auto& z : zones_) {
      Region r;
      r.detector = "zones";
      try {
        SHROUD_ASSIGN_OR_RETURN(r.kind, parse_kind(z.value("kind", std::string("custom"))));
        if (z.contains("rel")) {
          const auto f = z.at("rel").get<std::vector<double>>();
          if (f.size() != 4) return make_error(ErrorCode::kInvalidArgument, "zone rel must be [x, y, w, h]");
          const double W = frame.image.cols, H = frame.image.rows;
          r.box = cv::Rect(cv::Point(static_cast<int>(std::floor(f[0] * W)), static_cast<int>(std::floor(f[1] * H))),
                           cv::Point(static_cast<int>(std::ceil((f[0] + f[2]) * W)),
                                     static_cast<int>(std::ceil((f[1] + f[3]) * H))));
        } else {
          SHROUD_ASSIGN_OR_RETURN(Region p, parse_region(z));
          r.box = p.box;
        }
      } catch (const json::exception& e) {
        return make_error(ErrorCode::kInvalidArgument, std::string("malformed zone: ") + e.what());
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  json zones_;
};

Result<std::string> load_text(const std::string& path, const char* what) {
  if (path.empty()) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " needs a JSON file: " + what + ":FILE.json");
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, kMaxRegionsFile));
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Result<std::vector<Region>> parse_regions_json(const std::string& text, const std::string& image) {
  // Accepted: {"regions": [...]} for every image; one {"image": P, "regions": [...]} per line
  // (the output of `shroud detect --json`); or an array of such objects.
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
    return make_error(ErrorCode::kInvalidArgument, std::string("regions file is not valid JSON: ") + e.what());
  }
  for (const auto& d : docs) {
    if (!d.is_object() || !d.contains("regions")) {
      return make_error(ErrorCode::kInvalidArgument, "regions file: each entry needs a \"regions\" array");
    }
    if (!d.contains("image") || image.empty() || same_image(d.at("image").get<std::string>(), image)) {
      return parse_region_list(d.at("regions"));
    }
  }
  return std::vector<Region>{};
}

Result<std::unique_ptr<Detector>> make_manual_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, load_text(options.arg, "manual"));
  // Validate once up front so a malformed file fails before any image is processed.
  SHROUD_RETURN_IF_ERROR(parse_regions_json(text, "").ok() ? ok_status()
                                                           : Status(parse_regions_json(text, "").error()));
  return std::unique_ptr<Detector>(std::make_unique<ListedRegionsDetector>("manual", std::move(text)));
}

Result<std::unique_ptr<Detector>> make_zones_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, load_text(options.arg, "zones"));
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("zones file is not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("zones") || !j.at("zones").is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "zones file needs {\"zones\": [...]}");
  }
  auto det = std::make_unique<ZonesDetector>(j.at("zones"));
  SHROUD_RETURN_IF_ERROR([&]() -> Status {
    Frame probe;
    probe.image = cv::Mat(100, 100, CV_8UC1);
    auto r = det->detect(probe);
    return r.ok() ? ok_status() : Status(r.error());
  }());
  return std::unique_ptr<Detector>(std::move(det));
}

}  // namespace shroud
