// The list of detectors. Add a detector here and it appears in `shroud list`.
#include "shroud/registry.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "detect/detectors.h"

namespace shroud {
namespace {

// Plate text is protected once, as the plate: text regions mostly (>= 60 % of their area) inside
// a plate region are dropped.
std::vector<Region> drop_text_in_plates(std::vector<Region> regions) {
  std::vector<cv::Rect> plates;
  for (const auto& r : regions) {
    if (r.kind == Kind::kPlate) plates.push_back(r.box);
  }
  if (plates.empty()) return regions;
  std::vector<Region> out;
  for (auto& r : regions) {
    bool inside = false;
    if (r.kind == Kind::kText) {
      for (const auto& p : plates) inside = inside || (r.box & p).area() * 5 >= r.box.area() * 3;
    }
    if (!inside) out.push_back(std::move(r));
  }
  return out;
}

// Runs several detectors and merges their regions (union for recall; overlapping boxes of the
// same kind are merged by non-maximum suppression).
class UnionDetector final : public Detector {
 public:
  explicit UnionDetector(std::vector<std::unique_ptr<Detector>> parts) : parts_(std::move(parts)) {}
  std::string name() const override {
    std::string n;
    for (const auto& p : parts_) n += (n.empty() ? "" : ",") + p->name();
    return n;
  }
  Result<std::vector<Region>> detect(const Frame& frame) override {
    std::vector<Region> all;
    for (auto& p : parts_) {
      SHROUD_ASSIGN_OR_RETURN(auto regions, p->detect(frame));
      all.insert(all.end(), regions.begin(), regions.end());
    }
    return drop_text_in_plates(suppress_overlaps(std::move(all), 0.4));
  }
  int min_input_side() const override {
    int side = -1;
    for (const auto& p : parts_) {
      const int s = p->min_input_side();
      if (s == 0) return 0;
      side = std::max(side, s);
    }
    return side;
  }
  void set_stream(std::shared_ptr<StreamContext> stream) override {
    for (auto& p : parts_) p->set_stream(stream);
  }
  int cadence() const override {
    int c = 1;
    for (const auto& p : parts_) c = std::max(c, p->cadence());
    return c;
  }
  std::vector<std::string> model_files() const override {
    std::vector<std::string> files;
    for (const auto& p : parts_) {
      for (auto& f : p->model_files()) files.push_back(std::move(f));
    }
    return files;
  }

 private:
  std::vector<std::unique_ptr<Detector>> parts_;
};

}  // namespace

const std::vector<DetectorInfo>& detector_registry() {
  static const std::vector<DetectorInfo> kDetectors = {
      {"yunet",
       "YuNet faces + 5 landmarks (face_detection_yunet_2022mar.onnx); yunet:eyes for eye bands; "
       "frames over 1.5x the detection size get a second pass of native-resolution tiles (yunet:notile: off; "
       "video frames between references run half of them in turn, yunet:tilerotate=1: all); "
       "video frames are detected only where they changed since their reference (every 12th frame, shared by all workers; yunet:nogate: off)",
       "face, eyes", make_yunet_detector},
      {"yolox", "YOLOX-Nano COCO objects (yolox_nano.onnx): persons, vehicles, other classes as custom",
       "person, vehicle, custom", make_yolox_detector},
      {"ultraface", "UltraFace RFB-320 faces (ultraface_version-RFB-320_simplified.onnx); very fast, "
       "misses small faces", "face", make_ultraface_detector},
      {"lpd", "LPD-YuNet licence plates (license_plate_detection_lpd_yunet_2023mar.onnx); the default "
       "plate detector: a 320 px gate pass, refinement around its candidates (lpd:single: one 480 pass)",
       "plate", make_lpd_yunet_detector},
      {"text", "PP-OCRv3 DB text lines (ch_PP-OCRv3_det_infer.onnx): signs, screens, documents; "
       "text inside a plate found by the same spec is left to the plate", "text", make_text_detector},
      {"cascade", "Haar/LBP cascade from /usr/share/opencv4 (cascade:FILE.xml); kind from the file name",
       "face, eyes, plate, person", make_cascade_detector},
      {"manual", "regions listed in a JSON file (manual:FILE.json), e.g. from `shroud detect --json`",
       "any", make_manual_detector},
      {"zones", "fixed privacy zones of a camera in pixels or fractions (zones:FILE.json)", "any",
       make_zones_detector},
      {"frames", "regions listed per video frame (frames:FILE.json), e.g. a reviewed video job's /frames", "any",
       make_frames_detector},
  };
  return kDetectors;
}

Result<std::unique_ptr<Detector>> create_detector(const std::string& spec, const DetectorOptions& options) {
  std::vector<std::unique_ptr<Detector>> parts;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    DetectorOptions opts = options;
    opts.arg = colon == std::string::npos ? "" : item.substr(colon + 1);
    const DetectorInfo* info = nullptr;
    for (const auto& d : detector_registry()) {
      if (d.name == name) info = &d;
    }
    if (info == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "unknown detector '" + name + "' (see `shroud list`)");
    }
    SHROUD_ASSIGN_OR_RETURN(auto det, info->create(opts));
    parts.push_back(std::move(det));
  }
  if (parts.empty()) return make_error(ErrorCode::kInvalidArgument, "empty detector specification");
  if (parts.size() == 1) return std::move(parts.front());
  return std::unique_ptr<Detector>(std::make_unique<UnionDetector>(std::move(parts)));
}

std::string default_detector_spec(const ModelLocator& models, std::string* warning) {
  return default_detector_spec(models, warning, {Kind::kFace, Kind::kPlate});
}

std::string default_detector_spec(const ModelLocator& models, std::string* warning, const std::set<Kind>& kinds) {
  const bool faces = kinds.count(Kind::kFace) != 0 || kinds.count(Kind::kEyes) != 0;
  const bool plates = kinds.count(Kind::kPlate) != 0;
  const bool text = kinds.count(Kind::kText) != 0;
  if (!faces && !plates && !text) return default_detector_spec(models, warning);
  std::vector<std::string> notes;
  std::vector<std::string> parts;
  if (faces) {
    if (models.find(kYunetModel).ok()) {
      parts.push_back("yunet");
    } else {
      parts.push_back("cascade:haarcascade_frontalface_alt2.xml");
      notes.push_back("using Haar cascades for faces; YuNet (face_detection_yunet_2022mar.onnx) is faster and "
                      "more accurate");
    }
  }
  if (plates) {
    if (models.find(kLpdYunetModel).ok()) {
      parts.push_back("lpd");
    } else {
      parts.push_back("cascade:haarcascade_russian_plate_number.xml");
      notes.push_back("using a Haar cascade for plates; LPD-YuNet (license_plate_detection_lpd_yunet_2023mar.onnx) "
                      "finds more plates with far fewer false ones");
    }
  }
  if (text) {
    if (models.find(kPpocrDetModel).ok()) {
      parts.push_back("text");
    } else {
      // Appended rather than `std::string(...) + kPpocrDetModel`: GCC 12 warns falsely
      // (-Warray-bounds) on the inlined operator+ at -O2.
      std::string note = "no text detector: text is not detected without ";
      note += kPpocrDetModel;
      notes.push_back(std::move(note));
    }
  }
  if (warning != nullptr) {
    warning->clear();
    for (const auto& n : notes) *warning += (warning->empty() ? "" : "; ") + n;
    if (!notes.empty()) *warning += ": get the models with scripts/fetch-models and point --models or $SHROUD_MODELS at them";
  }
  if (parts.empty()) return default_detector_spec(models, nullptr);
  std::string spec;
  for (const auto& p : parts) spec += (spec.empty() ? "" : ",") + p;
  return spec;
}

}  // namespace shroud
