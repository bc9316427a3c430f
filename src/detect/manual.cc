// manual:<file.json> — regions listed by the user (or exported by `shroud detect --json`).
// zones:<file.json>  — fixed privacy zones of a camera, in pixels or as fractions of the frame.
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "detect/detectors.h"
#include "shroud/image_io.h"
#include "shroud/regions_list.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace shroud {
namespace {

constexpr std::int64_t kMaxRegionsFile = 64LL * 1024 * 1024;

class ListedRegionsDetector final : public Detector {
 public:
  ListedRegionsDetector(RegionsList list, bool allow_unlisted) : list_(std::move(list)), allow_unlisted_(allow_unlisted) {}
  std::string name() const override { return "manual"; }
  Result<std::vector<Region>> detect(const Frame& frame) override { return list_.lookup(frame.source, allow_unlisted_); }

 private:
  RegionsList list_;
  bool allow_unlisted_;
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
          SHROUD_ASSIGN_OR_RETURN(Region p, region_from_json(z));
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

Result<std::unique_ptr<Detector>> make_manual_detector(const DetectorOptions& options) {
  if (options.arg.empty()) return make_error(ErrorCode::kInvalidArgument, "manual needs a JSON file: manual:FILE.json");
  // Parsed and validated once, so a malformed file fails before any image is processed.
  SHROUD_ASSIGN_OR_RETURN(RegionsList list, RegionsList::load(options.arg));
  return std::unique_ptr<Detector>(std::make_unique<ListedRegionsDetector>(std::move(list), options.allow_unlisted));
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
