// text[:OPTIONS] — PP-OCRv3 DB text detector (ch_PP-OCRv3_det_infer.onnx, cv::dnn).
//
// The frame is scaled so its longest side is the detection size (default 640, rounded up to a
// multiple of 32; small images upscaled at most 2x) and letterboxed top-left into a square of
// that side, padded with the mean colour (0 after normalisation). One input size per detector,
// because a cv::dnn::Net of this model returns all zeros after its input size changes (OpenCV
// 4.6, ../shared/models/SOURCES.md). Input: BGR, (x - mean) / (255 * 0.226) with mean
// (123.675, 116.28, 103.53); output: a 1x1xSxS text probability map.
//
// DB post-processing (cv::dnn::TextDetectionModel_DB returns no boxes for this 4-D output in
// 4.6, so it is done here): probability > 0.3, contours, keep a contour whose mean probability
// inside it is >= the score threshold (default 0.5, --threshold), its minimum-area rectangle
// unclipped by area * 1.5 / perimeter on each side, mapped back to the frame; the region is the
// rectangle's bounding box. Options, joined with '+': "every=N" (video: the model runs on
// frames whose index is a multiple of N, default 12, as plates), "model=FILE".
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detect/detectors.h"
#include "detect/onnx_model.h"

namespace shroud {
namespace {

constexpr float kTextDefaultThreshold = 0.5f;  // mean probability inside a text contour
constexpr float kBinaryThreshold = 0.3f;   // probability map -> text pixels
constexpr double kUnclipRatio = 1.5;
constexpr int kTextDefaultDetectSize = 640;
constexpr double kTextMaxUpscale = 2.0;
constexpr int kMinSide = 3;  // map pixels: thinner components are noise
constexpr int kDefaultEvery = 12;
const cv::Scalar kMean(123.675, 116.28, 103.53);
constexpr double kStdScale = 1.0 / (255.0 * 0.226);

class TextDetector final : public Detector {
 public:
  TextDetector(cv::dnn::Net net, std::string name, int side, float threshold, int every)
      : net_(std::move(net)), name_(std::move(name)), side_(side), threshold_(threshold), every_(every) {}

  std::string name() const override { return name_; }
  int cadence() const override { return every_; }
  int min_input_side() const override { return side_; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    if (frame.index % every_ != 0) return std::vector<Region>{};
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      const double scale = detection_scale(bgr.size(), side_, kTextMaxUpscale);
      cv::Mat input(side_, side_, CV_8UC3, kMean);
      const cv::Size scaled(std::clamp(static_cast<int>(std::lround(bgr.cols * scale)), 1, side_),
                            std::clamp(static_cast<int>(std::lround(bgr.rows * scale)), 1, side_));
      cv::resize(bgr, input(cv::Rect(cv::Point(0, 0), scaled)), scaled, 0, 0,
                 scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
      net_.setInput(cv::dnn::blobFromImage(input, kStdScale, cv::Size(), kMean, false, false));
      const cv::Mat out = net_.forward();
      if (out.dims != 4 || out.size[2] != side_ || out.size[3] != side_) {
        return make_error(ErrorCode::kInternal, "PP-OCR text detector: unexpected output shape");
      }
      const cv::Mat prob(side_, side_, CV_32F, const_cast<float*>(out.ptr<float>()));
      cv::Mat mask = prob > kBinaryThreshold;
      std::vector<std::vector<cv::Point>> contours;
      cv::findContours(mask, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
      std::vector<Region> regions;
      const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
      for (const auto& c : contours) {
        if (c.size() < 3) continue;
        const cv::RotatedRect rr = cv::minAreaRect(c);
        if (std::min(rr.size.width, rr.size.height) < kMinSide) continue;
        // Mean probability inside the contour, over its bounding box.
        const cv::Rect bb = cv::boundingRect(c) & cv::Rect(0, 0, side_, side_);
        if (bb.empty()) continue;
        cv::Mat inside = cv::Mat::zeros(bb.size(), CV_8U);
        cv::fillPoly(inside, std::vector<std::vector<cv::Point>>{c}, cv::Scalar(255), cv::LINE_8, 0, -bb.tl());
        const float score = static_cast<float>(cv::mean(prob(bb), inside)[0]);
        if (score < threshold_) continue;
        // Unclip: offset the rectangle outwards by area * ratio / perimeter.
        const double w = rr.size.width, h = rr.size.height;
        const double d = w * h * kUnclipRatio / (2.0 * (w + h));
        const cv::RotatedRect grown(rr.center, cv::Size2f(static_cast<float>(w + 2 * d), static_cast<float>(h + 2 * d)),
                                    rr.angle);
        const cv::Rect2f g = grown.boundingRect2f();
        Region r;
        r.kind = Kind::kText;
        r.box = unscale_box(g, scale, frame_rect);
        if (r.box.empty()) continue;
        r.score = std::clamp(score, 0.0f, 1.0f);
        r.detector = name_;
        regions.push_back(std::move(r));
      }
      std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) {
        return a.box.y != b.box.y ? a.box.y < b.box.y : a.box.x < b.box.x;
      });
      return regions;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("PP-OCR text detection failed: ") + e.what());
    }
  }

 private:
  cv::dnn::Net net_;  // always fed side_ x side_ (see the top of the file)
  std::string name_;
  int side_;
  float threshold_;
  int every_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_text_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "text", kPpocrDetModel, kDefaultEvery, "every=N, model=FILE"));
  SHROUD_ASSIGN_OR_RETURN(auto model, load_onnx_model(options.models, args.model, "PP-OCR text"));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kTextDefaultThreshold;
  const int requested = options.detect_size > 0 ? options.detect_size : kTextDefaultDetectSize;
  const int side = std::clamp((requested + 31) / 32 * 32, 64, 4096);
  auto detector = std::make_unique<TextDetector>(std::move(model.net), detector_name("text", options.arg), side, threshold,
                                                 args.every);
  detector->add_model_file(model.path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
