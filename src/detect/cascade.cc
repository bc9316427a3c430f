// cascade:<file> — any Haar/LBP cascade from Debian's opencv-data (or a path).
//
// The kind is taken from the file name (face, eye, plate, body); each kind has its own
// privacy-leaning defaults (few neighbours, small minimum size). Frames larger than the
// detection size are downscaled first (cascades cost grows with pixels).
//
// Plates (haarcascade_russian_plate_number.xml, 60x20 window), measured on the openalpr EU set
// (docs/detection.md): detection size 640 with small images upscaled up to 2x (a 40-pixel-high
// plate in a 480-pixel photo reaches the window comfortably), scale step 1.1 and one neighbour.
// Compared with scale 1.05 / two neighbours at 1280 this keeps EU recall (0.92 vs 0.90) at a
// fraction of the cost. haarcascade_licence_plate_rus_16stages.xml found 43/108 EU plates and
// adds nothing in a union, so it is not used by default.
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "detect/detectors.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

struct CascadeDefaults {
  Kind kind;
  double scale_factor;
  int min_neighbors;
  int min_size;
  int detect_size;  // longest side
  double max_upscale;  // small images are enlarged towards detect_size by at most this factor
};

CascadeDefaults defaults_for(const std::string& file) {
  std::string f = file;
  std::transform(f.begin(), f.end(), f.begin(), [](unsigned char c) { return std::tolower(c); });
  if (f.find("plate") != std::string::npos) return {Kind::kPlate, 1.1, 1, 12, 640, 2.0};
  if (f.find("eye") != std::string::npos) return {Kind::kEyes, 1.1, 4, 8, 960, 1.0};
  if (f.find("body") != std::string::npos) return {Kind::kPerson, 1.05, 2, 24, 960, 1.0};
  if (f.find("smile") != std::string::npos) return {Kind::kFace, 1.1, 8, 16, 960, 1.0};
  if (f.find("face") != std::string::npos) return {Kind::kFace, 1.1, 3, 16, 960, 1.0};
  return {Kind::kCustom, 1.1, 3, 16, 960, 1.0};
}

class CascadeDetector final : public Detector {
 public:
  CascadeDetector(cv::CascadeClassifier classifier, std::string path, CascadeDefaults d, int detect_size)
      : classifier_(std::move(classifier)), file_(fs::path(path).filename().string()), d_(d), detect_size_(detect_size) {
    add_model_file(std::move(path));
  }

  std::string name() const override { return "cascade:" + file_; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    cv::Mat gray;
    try {
      cv::Mat src = frame.image;
      if (src.depth() != CV_8U) src.convertTo(src, CV_8U, 1.0 / 257.0);
      if (src.channels() == 3) cv::cvtColor(src, gray, cv::COLOR_BGR2GRAY);
      else if (src.channels() == 4) cv::cvtColor(src, gray, cv::COLOR_BGRA2GRAY);
      else gray = src;
      const double scale = detection_scale(gray.size(), detect_size_, d_.max_upscale);
      if (scale < 1.0) cv::resize(gray, gray, cv::Size(), scale, scale, cv::INTER_AREA);
      else if (scale > 1.0) cv::resize(gray, gray, cv::Size(), scale, scale, cv::INTER_LINEAR);
      cv::equalizeHist(gray, gray);
      std::vector<cv::Rect> boxes;
      std::vector<int> levels;
      std::vector<double> weights;
      classifier_.detectMultiScale(gray, boxes, levels, weights, d_.scale_factor, d_.min_neighbors, 0,
                                   cv::Size(d_.min_size, d_.min_size), cv::Size(), true);
      std::vector<Region> out;
      for (std::size_t i = 0; i < boxes.size(); ++i) {
        Region r;
        r.kind = d_.kind;
        const cv::Rect& b = boxes[i];
        r.box = cv::Rect(static_cast<int>(std::floor(b.x / scale)), static_cast<int>(std::floor(b.y / scale)),
                         static_cast<int>(std::ceil(b.width / scale)), static_cast<int>(std::ceil(b.height / scale)));
        // Map the boosted-stage weight to (0, 1) so scores are comparable across detectors.
        const double w = i < weights.size() ? weights[i] : 0.0;
        r.score = static_cast<float>(1.0 / (1.0 + std::exp(-w)));
        r.detector = name();
        out.push_back(std::move(r));
      }
      return out;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("cascade detection failed: ") + e.what());
    }
  }

 private:
  cv::CascadeClassifier classifier_;
  std::string file_;
  CascadeDefaults d_;
  int detect_size_;
};

}  // namespace

Result<fs::path> find_cascade(const std::string& file) {
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return fs::path(file);
  const fs::path base = cascade_dir();
  for (const char* sub : {"haarcascades", "lbpcascades", ""}) {
    const fs::path p = base / sub / file;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return make_error(ErrorCode::kNotFound,
                    "cascade '" + file + "' not found in " + (base / "haarcascades").string() + " or " +
                        (base / "lbpcascades").string() + " (install Debian's opencv-data)");
}

Result<std::unique_ptr<Detector>> make_cascade_detector(const DetectorOptions& options) {
  if (options.arg.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cascade needs a file: cascade:haarcascade_frontalface_alt2.xml");
  }
  SHROUD_ASSIGN_OR_RETURN(fs::path path, find_cascade(options.arg));
  cv::CascadeClassifier classifier;
  try {
    if (!classifier.load(path.string())) {
      return make_error(ErrorCode::kCorrupt, "cannot load cascade '" + path.string() + "'");
    }
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "cannot load cascade '" + path.string() + "': " + e.what());
  }
  CascadeDefaults d = defaults_for(path.filename().string());
  const int size = options.detect_size > 0 ? options.detect_size : d.detect_size;
  return std::unique_ptr<Detector>(
      std::make_unique<CascadeDetector>(std::move(classifier), path.string(), d, size));
}

}  // namespace shroud
