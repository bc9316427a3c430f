// lpd[:OPTIONS] — LPD-YuNet licence-plate detector (license_plate_detection_lpd_yunet_2023mar.onnx,
// opencv_zoo, run with cv::dnn; decoding as in ../shared/models/SOURCES.md).
//
// The frame is resized so its longest side is the detection size (default 480, small images
// upscaled at most 2x) and padded right/bottom to multiples of 64. Outputs `loc` [N,14], `conf`
// [N,2] and `iou` [N,1] over YuNet-style priors (strides 8/16/32/64, min sizes
// {10,16,24},{32,48},{64,96},{128,192,256}, order stride/row/col/size); score =
// sqrt(conf[:,1] * clamp(iou, 0, 1)); the plate is the bounding box of the four corner points
// (loc 4,6,10,12: prior centre + offset * 0.1 * prior size); NMS 0.3.
//
// The model was trained on Chinese plates; EU/US/BR plates score low, so the default threshold is
// 0.3 (the zoo's 0.9 misses most of them). Measured in docs/detection.md. Options, joined with
// '+': "every=N" (video: run the model on frames whose index is a multiple of N, default 12;
// stills are frame 0), "model=FILE".
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "detect/detectors.h"
#include "detect/onnx_model.h"

namespace shroud {
namespace {

constexpr float kDefaultThreshold = 0.3f;
constexpr int kDefaultDetectSize = 480;
constexpr double kMaxUpscale = 2.0;
constexpr float kNmsThreshold = 0.3f;
constexpr int kPad = 64;
// Video: the model runs on frames whose index is a multiple of this (stills have index 0); the
// tracker holds the plates in between and the pipeline extends first sightings backwards.
constexpr int kDefaultEvery = 12;

struct PriorLevel {
  int stride;
  std::vector<float> min_sizes;
};

const std::array<PriorLevel, 4>& levels() {
  static const std::array<PriorLevel, 4> kLevels = {{{8, {10, 16, 24}},
                                                     {16, {32, 48}},
                                                     {32, {64, 96}},
                                                     {64, {128, 192, 256}}}};
  return kLevels;
}

class LpdYunetDetector final : public Detector {
 public:
  LpdYunetDetector(cv::dnn::Net net, std::string name, int detect_size, float threshold, int every)
      : net_(std::move(net)), name_(std::move(name)), detect_size_(detect_size), threshold_(threshold),
        every_(every) {}

  std::string name() const override { return name_; }
  int cadence() const override { return every_; }
  int min_input_side() const override { return detect_size_; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    if (frame.index % every_ != 0) return std::vector<Region>{};
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      const double scale = detection_scale(bgr.size(), detect_size_, kMaxUpscale);
      cv::Mat input = bgr;
      if (scale != 1.0) {
        cv::resize(bgr, input, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
      }
      const int H = (input.rows + kPad - 1) / kPad * kPad;
      const int W = (input.cols + kPad - 1) / kPad * kPad;
      if (H != input.rows || W != input.cols) {
        cv::copyMakeBorder(input, input, 0, H - input.rows, 0, W - input.cols, cv::BORDER_CONSTANT,
                           cv::Scalar::all(0));
      }
      net_.setInput(cv::dnn::blobFromImage(input));
      std::vector<cv::Mat> outs;
      net_.forward(outs, std::vector<cv::String>{"loc", "conf", "iou"});
      const cv::Mat loc = outs[0].reshape(1, static_cast<int>(outs[0].total() / 14));
      const cv::Mat conf = outs[1].reshape(1, static_cast<int>(outs[1].total() / 2));
      const cv::Mat iou = outs[2].reshape(1, static_cast<int>(outs[2].total()));

      std::vector<cv::Rect2d> boxes;
      std::vector<float> scores;
      int fh = ((H + 1) / 2) / 2, fw = ((W + 1) / 2) / 2;
      int n = 0;
      for (const auto& level : levels()) {
        fh /= 2;
        fw /= 2;
        for (int i = 0; i < fh; ++i) {
          for (int j = 0; j < fw; ++j) {
            for (float m : level.min_sizes) {
              if (n >= loc.rows || n >= conf.rows || n >= iou.rows) {
                return make_error(ErrorCode::kInternal, "LPD-YuNet output smaller than its priors");
              }
              const float c = conf.at<float>(n, 1);
              const float q = std::clamp(iou.at<float>(n, 0), 0.0f, 1.0f);
              const float score = std::sqrt(c * q);
              if (score >= threshold_) {
                const float* l = loc.ptr<float>(n);
                const double cx = (j + 0.5) * level.stride, cy = (i + 0.5) * level.stride;
                double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
                for (int k : {4, 6, 10, 12}) {
                  const double px = cx + l[k] * 0.1 * m, py = cy + l[k + 1] * 0.1 * m;
                  x0 = std::min(x0, px);
                  y0 = std::min(y0, py);
                  x1 = std::max(x1, px);
                  y1 = std::max(y1, py);
                }
                boxes.emplace_back(x0, y0, x1 - x0, y1 - y0);
                scores.push_back(score);
              }
              ++n;
            }
          }
        }
      }
      std::vector<int> keep;
      cv::dnn::NMSBoxes(boxes, scores, threshold_, kNmsThreshold, keep);
      std::vector<Region> out;
      const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
      for (int k : keep) {
        const cv::Rect2d& b = boxes[static_cast<std::size_t>(k)];
        Region r;
        r.kind = Kind::kPlate;
        r.box = unscale_box(b, scale, frame_rect);
        if (r.box.empty()) continue;
        r.score = std::clamp(scores[static_cast<std::size_t>(k)], 0.0f, 1.0f);
        r.detector = name_;
        out.push_back(std::move(r));
      }
      return out;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("LPD-YuNet detection failed: ") + e.what());
    }
  }

 private:
  // One net for every input size: unlike the PP-OCR text net, this one gives the same outputs
  // as a fresh net after a size change (checked with OpenCV 4.6).
  cv::dnn::Net net_;
  std::string name_;
  int detect_size_;
  float threshold_;
  int every_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_lpd_yunet_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "lpd", kLpdYunetModel, kDefaultEvery, "every=N, model=FILE"));
  SHROUD_ASSIGN_OR_RETURN(auto model, load_onnx_model(options.models, args.model, "LPD-YuNet"));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kDefaultThreshold;
  const int size = options.detect_size > 0 ? options.detect_size : kDefaultDetectSize;
  auto detector = std::make_unique<LpdYunetDetector>(std::move(model.net), detector_name("lpd", options.arg), size,
                                                     threshold, args.every);
  detector->add_model_file(model.path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
