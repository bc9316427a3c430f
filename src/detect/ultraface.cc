// ultraface — "Ultra-Light-Fast-Generic-Face-Detector-1MB" RFB-320
// (ultraface_version-RFB-320_simplified.onnx) through cv::dnn. Faces only, no landmarks.
//
// The frame is stretched to 320x240 (RGB, (x - 127) / 128). Outputs: "scores" 1x4420x2 (already
// softmaxed; column 1 is the face score) and "boxes" 1x4420x4 (SSD offsets against priors: min
// sizes {10,16,24}, {32,48}, {64,96}, {128,192,256} at strides 8, 16, 32, 64; centre variance
// 0.1, size variance 0.2), followed by non-maximum suppression (IoU 0.3).
//
// A very fast detector for comparison; it sees faces down to about 10 pixels of the 320x240
// input, so in large frames it misses small faces (the fixed input size cannot be changed).
// Option: ultraface:model=FILE (name looked up like the default, or a path).
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detect/detectors.h"
#include "detect/onnx_model.h"

namespace shroud {
namespace {

constexpr int kWidth = 320;
constexpr int kHeight = 240;
constexpr float kUltrafaceDefaultThreshold = 0.6f;
constexpr float kUltrafaceNmsThreshold = 0.3f;
constexpr float kCenterVariance = 0.1f;
constexpr float kSizeVariance = 0.2f;

struct Prior {
  float cx, cy, w, h;  // fractions of the input
};

std::vector<Prior> make_priors() {
  static const std::vector<std::vector<float>> kMinBoxes = {{10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}};
  static const int kStrides[] = {8, 16, 32, 64};
  std::vector<Prior> priors;
  for (std::size_t s = 0; s < kMinBoxes.size(); ++s) {
    const int fw = static_cast<int>(std::ceil(static_cast<double>(kWidth) / kStrides[s]));
    const int fh = static_cast<int>(std::ceil(static_cast<double>(kHeight) / kStrides[s]));
    for (int j = 0; j < fh; ++j) {
      for (int i = 0; i < fw; ++i) {
        for (float m : kMinBoxes[s]) {
          priors.push_back({(i + 0.5f) / fw, (j + 0.5f) / fh, m / kWidth, m / kHeight});
        }
      }
    }
  }
  return priors;
}

class UltrafaceDetector final : public Detector {
 public:
  UltrafaceDetector(cv::dnn::Net net, float threshold)
      : net_(std::move(net)), threshold_(threshold), priors_(make_priors()) {}

  std::string name() const override { return "ultraface"; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      cv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0 / 128.0, cv::Size(kWidth, kHeight),
                                            cv::Scalar(127, 127, 127), true, false, CV_32F);
      net_.setInput(blob);
      std::vector<cv::Mat> outs;
      net_.forward(outs, std::vector<cv::String>{"scores", "boxes"});
      const cv::Mat& scores = outs[0];
      const cv::Mat& deltas = outs[1];
      const int n = static_cast<int>(priors_.size());
      if (scores.total() != static_cast<std::size_t>(n) * 2 || deltas.total() != static_cast<std::size_t>(n) * 4) {
        return make_error(ErrorCode::kCorrupt, "unexpected UltraFace output shape");
      }
      const float* sc = scores.ptr<float>();
      const float* dl = deltas.ptr<float>();
      const float W = static_cast<float>(bgr.cols), H = static_cast<float>(bgr.rows);
      std::vector<cv::Rect> boxes;
      std::vector<float> conf;
      for (int i = 0; i < n; ++i) {
        const float s = sc[2 * i + 1];
        if (s < threshold_) continue;
        const Prior& p = priors_[i];
        const float* d = dl + 4 * i;
        const float cx = p.cx + d[0] * kCenterVariance * p.w;
        const float cy = p.cy + d[1] * kCenterVariance * p.h;
        const float w = p.w * std::exp(d[2] * kSizeVariance);
        const float h = p.h * std::exp(d[3] * kSizeVariance);
        const float x0 = (cx - w / 2) * W, y0 = (cy - h / 2) * H, x1 = (cx + w / 2) * W, y1 = (cy + h / 2) * H;
        boxes.emplace_back(cv::Point(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0))),
                           cv::Point(static_cast<int>(std::ceil(x1)), static_cast<int>(std::ceil(y1))));
        conf.push_back(s);
      }
      std::vector<int> keep;
      cv::dnn::NMSBoxes(boxes, conf, threshold_, kUltrafaceNmsThreshold, keep);
      std::vector<Region> regions;
      for (int k : keep) {
        Region r;
        r.kind = Kind::kFace;
        r.box = boxes[k];
        r.score = std::clamp(conf[k], 0.0f, 1.0f);
        r.detector = "ultraface";
        regions.push_back(std::move(r));
      }
      return regions;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("UltraFace detection failed: ") + e.what());
    }
  }

 private:
  cv::dnn::Net net_;
  float threshold_;
  std::vector<Prior> priors_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_ultraface_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "ultraface", kUltrafaceModel, 0, "model=FILE"));
  SHROUD_ASSIGN_OR_RETURN(auto model, load_onnx_model(options.models, args.model, "UltraFace"));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kUltrafaceDefaultThreshold;
  auto detector = std::make_unique<UltrafaceDetector>(std::move(model.net), threshold);
  detector->add_model_file(model.path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
