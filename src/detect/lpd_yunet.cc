// lpd[:OPTIONS] — LPD-YuNet licence-plate detector (license_plate_detection_lpd_yunet_2023mar.onnx,
// opencv_zoo, run with cv::dnn; decoding as in ../shared/models/SOURCES.md).
//
// Decoding: the input is padded right/bottom to multiples of 32 (at least 64 per side). Outputs
// `loc` [N,14], `conf` [N,2] and `iou` [N,1] over YuNet-style priors (strides 8/16/32/64, min
// sizes {10,16,24},{32,48},{64,96},{128,192,256}, order stride/row/col/size); score =
// sqrt(conf[:,1] * clamp(iou, 0, 1)); the plate is the bounding box of the four corner points
// (loc 4,6,10,12: prior centre + offset * 0.1 * prior size); NMS 0.3.
//
// Default: a gate, then refinement (docs/detection.md, "LPD-YuNet"). The gate pass runs on the
// frame resized so its longest side is the detection size (default 320, small images upscaled
// at most 2x) and keeps every candidate scoring >= 0.03 and at least 10 px wide there. A candidate scoring >= 0.6 is a plate as
// it is; every other one gets a refinement pass on a crop of 2 x 2.5 times its box, scaled so the
// box is 128 px wide (at most 2x native), where the usual threshold applies. The model finds
// plates best when they are 64-160 px wide in its input, and the cost is per input pixel, so
// this spends the model where plates may be and at the scale that finds them. A frame without
// candidates costs the gate pass alone; one with more than 8 to refine gets one single pass at
// 480 instead of the refinements. In video (a detector given a stream) the gate runs at 480
// unless --detect-size says otherwise: the model sees one frame in 12 there.
// `lpd:single`: one pass on the frame resized to the detection size (default 480).
//
// The model was trained on Chinese plates; EU/US/BR plates score low, so the default threshold is
// 0.3 (the zoo's 0.9 misses most of them). Options, joined with '+': "single", "every=N" (video:
// run the model on frames whose index is a multiple of N, default 12; stills are frame 0),
// "model=FILE".
#include "detect/lpd_yunet.h"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "detect/detectors.h"
#include "detect/onnx_model.h"

namespace shroud {
namespace {

constexpr float kLpdDefaultThreshold = 0.3f;
constexpr int kDefaultGateSize = 320;
constexpr int kDefaultSingleSize = 480;
// Video gate: larger than a photo's. A plate the gate misses on a scheduled frame stays exposed
// until the next one, and the model runs on one frame in 12, so video spends a bigger gate
// (docs/video.md, "Moving camera": 14 of 189 plate boxes exposed at 320, none at 480).
constexpr int kDefaultVideoGateSize = 480;
constexpr double kLpdMaxUpscale = 2.0;
constexpr float kLpdNmsThreshold = 0.3f;
constexpr int kPad = 32;
constexpr int kMinSide = 64;  // smaller inputs make the stride-64 pooling empty
// Gate: candidates at or above kGateScore are refined, at or above kAcceptScore kept as they are.
constexpr float kGateScore = 0.03f;
constexpr float kAcceptScore = 0.6f;
// Gate candidates narrower than this (gate input pixels) are dropped: no labelled plate was, and
// most of the gate's false candidates are (docs/detection.md).
constexpr double kMinGateWidth = 10.0;
// Refinement: the crop around a candidate box, and the width the box is scaled to.
constexpr double kCropWidth = 2.0, kCropHeight = 2.5;
constexpr double kRefineWidth = 128.0;
// More candidates than this to refine (text pages, chessboards: 25-27; none of the 173 photos of
// ../shared/data has more) and the frame gets one full pass at kDefaultSingleSize instead, so a
// cluttered frame costs at most the gate plus the single pass.
constexpr int kMaxRefine = 8;
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

struct Candidate {
  cv::Rect2d box;  // in the pixels of the image given to the pass
  float score;
};

cv::Mat resized(const cv::Mat& img, double scale) {
  if (scale == 1.0) return img;
  cv::Mat out;
  cv::resize(img, out, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

// One forward pass on `input` (8-bit BGR): the candidates scoring >= `min_score` after NMS.
Result<std::vector<Candidate>> run_pass(cv::dnn::Net& net, cv::Mat input, float min_score) {
  const int H = std::max(kMinSide, (input.rows + kPad - 1) / kPad * kPad);
  const int W = std::max(kMinSide, (input.cols + kPad - 1) / kPad * kPad);
  if (H != input.rows || W != input.cols) {
    cv::copyMakeBorder(input, input, 0, H - input.rows, 0, W - input.cols, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  net.setInput(cv::dnn::blobFromImage(input));
  std::vector<cv::Mat> outs;
  net.forward(outs, std::vector<cv::String>{"loc", "conf", "iou"});
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
          if (score >= min_score) {
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
  cv::dnn::NMSBoxes(boxes, scores, min_score, kLpdNmsThreshold, keep);
  std::vector<Candidate> out;
  out.reserve(keep.size());
  for (int k : keep) out.push_back({boxes[static_cast<std::size_t>(k)], scores[static_cast<std::size_t>(k)]});
  return out;
}

class LpdYunetDetector final : public Detector {
 public:
  // `video_size`: the detection size once the detector belongs to a video stream.
  LpdYunetDetector(cv::dnn::Net net, std::string name, bool single, int detect_size, int video_size, float threshold,
                   int every)
      : net_(std::move(net)), name_(std::move(name)), single_(single), detect_size_(detect_size),
        photo_size_(detect_size), video_size_(video_size), threshold_(threshold), every_(every) {}

  std::string name() const override { return name_; }
  int cadence() const override { return every_; }
  // The refinement crops are scaled from native pixels (up to 2x), so the gated detector needs
  // the full resolution; `lpd:single` only its detection size.
  int min_input_side() const override { return single_ ? detect_size_ : 0; }
  const LpdPasses& passes() const { return passes_; }
  void set_stream(std::shared_ptr<StreamContext> stream) override {
    detect_size_ = stream ? video_size_ : photo_size_;
  }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    passes_ = LpdPasses{};
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    if (frame.index % every_ != 0) return std::vector<Region>{};
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      // Boxes and scores in frame pixels, before the final NMS.
      std::vector<cv::Rect2d> boxes;
      std::vector<float> scores;
      const double scale = detection_scale(bgr.size(), detect_size_, kLpdMaxUpscale);
      passes_.size = detect_size_;
      if (single_) {
        SHROUD_ASSIGN_OR_RETURN(auto found, run_pass(net_, resized(bgr, scale), threshold_));
        ++passes_.single;
        for (const auto& c : found) add(boxes, scores, c, scale, 0, 0);
      } else {
        SHROUD_ASSIGN_OR_RETURN(auto gate, run_pass(net_, resized(bgr, scale), std::min(kGateScore, threshold_)));
        ++passes_.gate;
        std::vector<Candidate> refine;
        for (const auto& c : gate) {
          if (!std::isfinite(c.box.x) || !std::isfinite(c.box.y) || !std::isfinite(c.box.width) ||
              !std::isfinite(c.box.height) || c.box.width < kMinGateWidth) {
            continue;
          }
          if (c.score >= std::max(kAcceptScore, threshold_)) {
            add(boxes, scores, c, scale, 0, 0);
          } else {
            refine.push_back(c);
          }
        }
        if (refine.size() > static_cast<std::size_t>(kMaxRefine)) {
          const double single = detection_scale(bgr.size(), kDefaultSingleSize, kLpdMaxUpscale);
          SHROUD_ASSIGN_OR_RETURN(auto found, run_pass(net_, resized(bgr, single), threshold_));
          ++passes_.single;
          for (const auto& f : found) add(boxes, scores, f, single, 0, 0);
          refine.clear();
        }
        for (const auto& c : refine) {
          const cv::Rect2d box(c.box.x / scale, c.box.y / scale, c.box.width / scale, c.box.height / scale);
          const double rs = std::min(kRefineWidth / std::max(box.width, 1.0), kLpdMaxUpscale);
          const double cx = box.x + box.width / 2, cy = box.y + box.height / 2;
          const double hw = box.width * kCropWidth / 2, hh = box.height * kCropHeight / 2;
          // Clamped as doubles first: a wild box must not overflow the int conversion.
          const int x0 = static_cast<int>(std::clamp(std::floor(cx - hw), 0.0, bgr.cols - 1.0));
          const int y0 = static_cast<int>(std::clamp(std::floor(cy - hh), 0.0, bgr.rows - 1.0));
          const int x1 = static_cast<int>(std::clamp(std::ceil(cx + hw), x0 + 1.0, static_cast<double>(bgr.cols)));
          const int y1 = static_cast<int>(std::clamp(std::ceil(cy + hh), y0 + 1.0, static_cast<double>(bgr.rows)));
          SHROUD_ASSIGN_OR_RETURN(auto found,
                                  run_pass(net_, resized(bgr(cv::Rect(x0, y0, x1 - x0, y1 - y0)), rs), threshold_));
          ++passes_.refine;
          for (const auto& f : found) add(boxes, scores, f, rs, x0, y0);
        }
      }
      std::vector<int> keep;
      cv::dnn::NMSBoxes(boxes, scores, threshold_, kLpdNmsThreshold, keep);
      std::vector<Region> out;
      const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
      for (int k : keep) {
        Region r;
        r.kind = Kind::kPlate;
        r.box = unscale_box(boxes[static_cast<std::size_t>(k)], 1.0, frame_rect);
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
  // `c` found in an input that is the frame region at (x0, y0) scaled by `scale`, in frame pixels.
  static void add(std::vector<cv::Rect2d>& boxes, std::vector<float>& scores, const Candidate& c, double scale,
                  int x0, int y0) {
    boxes.emplace_back(x0 + c.box.x / scale, y0 + c.box.y / scale, c.box.width / scale, c.box.height / scale);
    scores.push_back(c.score);
  }

  // One net for every input size: unlike the PP-OCR text net, this one gives the same outputs
  // as a fresh net after a size change (checked with OpenCV 4.6).
  cv::dnn::Net net_;
  std::string name_;
  bool single_;
  int detect_size_;
  int photo_size_, video_size_;
  float threshold_;
  int every_;
  LpdPasses passes_;
};

}  // namespace

std::optional<LpdPasses> lpd_last_passes(const Detector& detector) {
  const auto* lpd = dynamic_cast<const LpdYunetDetector*>(&detector);
  if (lpd == nullptr) return std::nullopt;
  return lpd->passes();
}

Result<std::unique_ptr<Detector>> make_lpd_yunet_detector(const DetectorOptions& options) {
  bool single = false;
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "lpd", kLpdYunetModel, kDefaultEvery,
                                                    "single, every=N, model=FILE",
                                                    [&](const std::string& word) -> Result<bool> {
                                                      if (word != "single") return false;
                                                      single = true;
                                                      return true;
                                                    }));
  SHROUD_ASSIGN_OR_RETURN(auto model, load_onnx_model(options.models, args.model, "LPD-YuNet"));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kLpdDefaultThreshold;
  const int size = options.detect_size > 0 ? options.detect_size : (single ? kDefaultSingleSize : kDefaultGateSize);
  const int video_size = options.detect_size > 0 || single ? size : kDefaultVideoGateSize;
  auto detector = std::make_unique<LpdYunetDetector>(std::move(model.net), detector_name("lpd", options.arg), single,
                                                     size, video_size, threshold, args.every);
  detector->add_model_file(model.path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
