// frames:<file.json> — regions listed per video frame, e.g. the per-frame regions of a `shroud
// serve` video job (GET /v1/jobs/{id}/frames) after a reviewer deleted or added tracks:
//   {"frames": [{"frame": 0, "regions": [{"kind": "face", "box": [x, y, w, h], ...}, ...]}, ...]}
// A frame not listed has no regions. Validated whole when created (bad JSON, a frame index that
// is not a non-negative integer, a repeated frame, a bad region: kInvalidArgument).
#include <nlohmann/json.hpp>

#include <map>

#include "core/json_number.h"
#include "detect/detectors.h"
#include "shroud/image_io.h"
#include "shroud/regions_list.h"

namespace shroud {
namespace {

constexpr std::int64_t kMaxFramesFile = 64LL * 1024 * 1024;

class FramesDetector final : public Detector {
 public:
  explicit FramesDetector(std::map<std::int64_t, std::vector<Region>> frames) : frames_(std::move(frames)) {}
  std::string name() const override { return "frames"; }
  Result<std::vector<Region>> detect(const Frame& frame) override {
    auto it = frames_.find(frame.index);
    if (it == frames_.end()) return std::vector<Region>{};
    return it->second;
  }

 private:
  std::map<std::int64_t, std::vector<Region>> frames_;
};

Status bad(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, "frames file '" + path + "': " + what);
}

}  // namespace

Result<std::unique_ptr<Detector>> make_frames_detector(const DetectorOptions& options) {
  if (options.arg.empty()) return make_error(ErrorCode::kInvalidArgument, "frames needs a JSON file: frames:FILE.json");
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(options.arg, kMaxFramesFile));
  const nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("frames") || !j["frames"].is_array()) {
    return bad(options.arg, "needs {\"frames\": [{\"frame\": N, \"regions\": [...]}, ...]}").error();
  }
  std::map<std::int64_t, std::vector<Region>> frames;
  for (const auto& f : j["frames"]) {
    if (!f.is_object() || !f.contains("frame") || !f.contains("regions") || !f["regions"].is_array()) {
      return bad(options.arg, "each entry needs \"frame\" and a \"regions\" array").error();
    }
    std::int64_t index = -1;
    try {
      index = detail::json_int64(f["frame"]);
    } catch (const std::exception&) {
    }
    if (index < 0) return bad(options.arg, "\"frame\" must be a non-negative integer").error();
    if (frames.count(index)) return bad(options.arg, "frame " + std::to_string(index) + " is listed twice").error();
    std::vector<Region> regions;
    for (const auto& r : f["regions"]) {
      auto region = region_from_json(r);
      if (!region.ok()) return bad(options.arg, "frame " + std::to_string(index) + ": " + region.error().message).error();
      region->detector = "frames";
      regions.push_back(std::move(*region));
    }
    frames.emplace(index, std::move(regions));
  }
  return std::unique_ptr<Detector>(std::make_unique<FramesDetector>(std::move(frames)));
}

}  // namespace shroud
