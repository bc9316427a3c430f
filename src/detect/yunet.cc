// yunet[:OPTIONS] — YuNet face detector (face_detection_yunet_2022mar.onnx, cv::FaceDetectorYN).
//
// Produces faces with 5 landmarks (right eye, left eye, nose tip, right and left mouth corner)
// in frame coordinates. Options, joined with '+': "eyes" reports the eye band derived from the
// landmarks (kind eyes, see eyes_from_face()) instead of the face. Small faces: frames whose
// longest side exceeds 1.5x the detection size get a second pass over overlapping
// detect_size x detect_size tiles (96 px overlap) at native resolution ("tilescale=X" scales
// the frame first; "tile" also tiles frames between 1x and 1.5x; "notile" disables it), merged
// with NMS. "model=FILE" uses another copy of the model (a name looked up like the default, or a path).
//
// Defaults lean to recall (measured in docs/detection.md): score threshold 0.6 instead of the
// model's customary 0.9 (which misses 30-pixel faces), and the frame is resized so its longest
// side is 640 pixels — downscaled for large frames (YuNet cost grows with pixels), upscaled (at
// most 4x) for small images so small faces reach the sizes YuNet was trained on.
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect/face.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "detect/detectors.h"
#include "detect/onnx_model.h"
#include "shroud/policy.h"

namespace shroud {
namespace {

constexpr float kDefaultThreshold = 0.6f;
constexpr int kDefaultDetectSize = 640;
constexpr double kMaxUpscale = 4.0;
constexpr float kNmsThreshold = 0.3f;
constexpr int kTopK = 5000;
constexpr int kMinInput = 64;
constexpr int kTileOverlap = 96;       // pixels (at tile scale) shared by neighbouring tiles
constexpr double kDefaultTileScale = 1.0;  // tiles run at this fraction of the frame's resolution

enum class TileMode { kAuto, kOff, kOn };

class YunetDetector final : public Detector {
 public:
  YunetDetector(cv::Ptr<cv::FaceDetectorYN> net, std::string name, int detect_size, bool eyes, TileMode tile,
                double tile_scale)
      : net_(std::move(net)), name_(std::move(name)), detect_size_(detect_size), eyes_(eyes), tile_(tile),
        tile_scale_(tile_scale) {}

  std::string name() const override { return name_; }
  // The tile pass looks at the frame's full resolution (its size decides whether it runs).
  int min_input_side() const override { return tile_ == TileMode::kOff ? detect_size_ : 0; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      std::vector<Region> faces;
      run(bgr, cv::Rect(0, 0, bgr.cols, bgr.rows), &faces);
      const int longest = std::max(bgr.cols, bgr.rows);
      const bool tile = tile_ == TileMode::kOn ? longest * tile_scale_ > detect_size_
                        : tile_ == TileMode::kAuto ? longest * tile_scale_ > detect_size_ * 3 / 2
                                                   : false;
      if (tile) {
        // Second pass: overlapping detect_size x detect_size tiles of the frame at tile_scale_,
        // so small faces are seen near native resolution (the first pass downscaled them).
        cv::Mat scaled = bgr;
        if (tile_scale_ != 1.0) cv::resize(bgr, scaled, cv::Size(), tile_scale_, tile_scale_, cv::INTER_AREA);
        const int t = detect_size_;
        // Tile starts along one axis; a side up to 1.25x the tile size is one tile spanning it
        // (a 1280x720 frame: 3 tiles of 640x720 instead of 6 of 640x640, 44 % fewer pixels).
        auto starts = [&](int len) {
          std::vector<int> v;
          if (len <= t + t / 4) return std::vector<int>{0};
          const int n = (len - kTileOverlap + (t - kTileOverlap) - 1) / (t - kTileOverlap);
          for (int i = 0; i < n; ++i) v.push_back(static_cast<int>(std::lround(static_cast<double>(len - t) * i / (n - 1))));
          return v;
        };
        const int tw = scaled.cols <= t + t / 4 ? scaled.cols : t;
        const int th = scaled.rows <= t + t / 4 ? scaled.rows : t;
        for (int y : starts(scaled.rows)) {
          for (int x : starts(scaled.cols)) {
            const cv::Rect r = cv::Rect(x, y, tw, th) & cv::Rect(0, 0, scaled.cols, scaled.rows);
            run_at(scaled(r), r, 1.0 / tile_scale_, &faces, /*native=*/true);
          }
        }
        faces = suppress_overlaps(std::move(faces), kNmsThreshold);
      }
      if (!eyes_) return faces;
      std::vector<Region> eyes;
      for (const auto& f : faces) {
        if (auto e = eyes_from_face(f)) eyes.push_back(std::move(*e));
      }
      return eyes;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("YuNet detection failed: ") + e.what());
    }
  }

 private:
  // Detects faces in `image` (a view of the frame at `area`) and appends them in frame coordinates.
  void run(const cv::Mat& image, const cv::Rect& area, std::vector<Region>* out) {
    run_at(image, area, 1.0, out);
  }

  // As run(), for a view `image` at `area` of a frame scaled by 1/`back` (boxes are mapped back).
  // `native`: no resize (tiles are already at the resolution they are meant to be seen at).
  void run_at(const cv::Mat& image, const cv::Rect& area, double back, std::vector<Region>* out, bool native = false) {
    const double scale = native ? 1.0 : detection_scale(image.size(), detect_size_, kMaxUpscale);
    cv::Mat input = image;
    if (scale != 1.0) {
      cv::resize(image, input, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    // The network's pooling needs a few pixels per stride-32 cell: pad tiny inputs (bottom/right,
    // so coordinates are unchanged).
    if (input.cols < kMinInput || input.rows < kMinInput) {
      cv::copyMakeBorder(input, input, 0, std::max(0, kMinInput - input.rows), 0,
                         std::max(0, kMinInput - input.cols), cv::BORDER_CONSTANT, cv::Scalar::all(0));
    }
    net_->setInputSize(input.size());
    cv::Mat faces;
    net_->detect(input, faces);
    for (int i = 0; i < faces.rows; ++i) {
      const float* f = faces.ptr<float>(i);
      Region r;
      r.kind = Kind::kFace;
      const double x0 = (f[0] / scale + area.x) * back, y0 = (f[1] / scale + area.y) * back;
      const double x1 = ((f[0] + f[2]) / scale + area.x) * back, y1 = ((f[1] + f[3]) / scale + area.y) * back;
      r.box = cv::Rect(cv::Point(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0))),
                       cv::Point(static_cast<int>(std::ceil(x1)), static_cast<int>(std::ceil(y1))));
      for (int k = 0; k < 5; ++k) {
        r.landmarks.emplace_back(static_cast<float>((f[4 + 2 * k] / scale + area.x) * back),
                                 static_cast<float>((f[5 + 2 * k] / scale + area.y) * back));
      }
      r.score = std::clamp(f[14], 0.0f, 1.0f);
      r.detector = name_;
      out->push_back(std::move(r));
    }
  }

  cv::Ptr<cv::FaceDetectorYN> net_;
  std::string name_;
  int detect_size_;
  bool eyes_;
  TileMode tile_;
  double tile_scale_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_yunet_detector(const DetectorOptions& options) {
  bool eyes = false;
  TileMode tile = TileMode::kAuto;
  double tile_scale = kDefaultTileScale;
  auto extra = [&](const std::string& word) -> Result<bool> {
    if (word == "eyes") eyes = true;
    else if (word == "tile") tile = TileMode::kOn;
    else if (word == "notile") tile = TileMode::kOff;
    else if (word.rfind("tilescale=", 0) == 0) {
      try {
        tile_scale = std::stod(word.substr(10));
      } catch (const std::exception&) {
        tile_scale = 0;
      }
      if (!(tile_scale >= 0.25 && tile_scale <= 2.0)) {
        return make_error(ErrorCode::kInvalidArgument, "yunet tilescale must be a number in [0.25, 2]: '" + word + "'");
      }
    } else {
      return false;
    }
    return true;
  };
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "yunet", kYunetModel, 0,
                                                    "eyes, tile, notile, tilescale=X, model=FILE, e.g. yunet:eyes+notile", extra));
  SHROUD_ASSIGN_OR_RETURN(auto path, find_model(options.models, args.model));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kDefaultThreshold;
  const int size = options.detect_size > 0 ? options.detect_size : kDefaultDetectSize;
  cv::Ptr<cv::FaceDetectorYN> net;
  try {
    net = cv::FaceDetectorYN::create(path.string(), "", cv::Size(320, 320), threshold, kNmsThreshold, kTopK);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "cannot load YuNet model '" + path.string() + "': " + e.what());
  }
  if (net.empty()) return make_error(ErrorCode::kCorrupt, "cannot load YuNet model '" + path.string() + "'");
  auto detector = std::make_unique<YunetDetector>(std::move(net), detector_name("yunet", options.arg), size, eyes, tile,
                                                  tile_scale);
  detector->add_model_file(path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
