// yolox — YOLOX-Nano (yolox_nano.onnx, COCO 80 classes) through cv::dnn.
//
// Kinds: person -> person; car, truck, bus, motorcycle, bicycle -> vehicle; every other COCO
// class -> custom with the class name as label. The frame is letterboxed into 416x416 (scaled to
// fit, placed top left, padded with grey 114, BGR 0-255, no normalisation); the 1x3549x85 output
// ([cx, cy, w, h, objectness, 80 class scores] per anchor point of the 52², 26² and 13² grids)
// is decoded as xy = (xy + grid) * stride, wh = exp(wh) * stride, score = obj * best class,
// followed by per-class non-maximum suppression (IoU 0.45).
//
// Default score threshold 0.3 (privacy-leaning; YOLOX's demo uses 0.3-0.5).
// Option: yolox:model=FILE uses another copy of the model (name looked up like the default, or a path).
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>

#include "detect/detectors.h"
#include "detect/onnx_model.h"

namespace shroud {
namespace {

constexpr int kInput = 416;
constexpr float kYoloxDefaultThreshold = 0.3f;
constexpr float kYoloxNmsThreshold = 0.45f;
constexpr int kClasses = 80;
constexpr const char* kClassFile = "/usr/share/doc/opencv-doc/examples/data/dnn/object_detection_classes_yolov3.txt";

constexpr std::array<const char*, kClasses> kCocoNames = {
    "person", "bicycle", "car", "motorbike", "aeroplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "sofa",
    "pottedplant", "bed", "diningtable", "toilet", "tvmonitor", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush"};

// Class names in YOLO order: Debian's opencv-doc list when present, else the built-in table.
std::vector<std::string> load_class_names() {
  std::vector<std::string> names;
  std::ifstream in(kClassFile);
  std::string line;
  while (in && std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != kClasses) names.assign(kCocoNames.begin(), kCocoNames.end());
  return names;
}

// Class id -> kind. Ids are fixed by the COCO/YOLO order (the names differ between lists:
// "motorbike"/"motorcycle").
Kind kind_of_class(int id) {
  switch (id) {
    case 0: return Kind::kPerson;
    case 1:   // bicycle
    case 2:   // car
    case 3:   // motorcycle
    case 5:   // bus
    case 7:   // truck
      return Kind::kVehicle;
    default: return Kind::kCustom;
  }
}

class YoloxDetector final : public Detector {
 public:
  YoloxDetector(cv::dnn::Net net, float threshold)
      : net_(std::move(net)), threshold_(threshold), names_(load_class_names()) {}

  std::string name() const override { return "yolox"; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    if (frame.image.empty()) return make_error(ErrorCode::kInvalidArgument, "empty frame");
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      const double r = std::min(static_cast<double>(kInput) / bgr.cols, static_cast<double>(kInput) / bgr.rows);
      const int w = std::max(1, static_cast<int>(std::lround(bgr.cols * r)));
      const int h = std::max(1, static_cast<int>(std::lround(bgr.rows * r)));
      cv::Mat padded(kInput, kInput, CV_8UC3, cv::Scalar(114, 114, 114));
      cv::Mat resized;
      cv::resize(bgr, resized, cv::Size(w, h), 0, 0, r < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
      resized.copyTo(padded(cv::Rect(0, 0, w, h)));
      cv::Mat blob = cv::dnn::blobFromImage(padded, 1.0, cv::Size(), cv::Scalar(), false, false, CV_32F);
      net_.setInput(blob);
      cv::Mat out = net_.forward();
      if (out.dims != 3 || out.size[2] != 5 + kClasses) {
        return make_error(ErrorCode::kCorrupt, "unexpected YOLOX output shape");
      }
      const int n = out.size[1];
      std::map<int, std::vector<cv::Rect2d>> boxes;
      std::map<int, std::vector<float>> scores;
      int index = 0;
      for (int stride : {8, 16, 32}) {
        const int g = kInput / stride;
        for (int gy = 0; gy < g; ++gy) {
          for (int gx = 0; gx < g; ++gx, ++index) {
            if (index >= n) break;
            const float* p = out.ptr<float>(0, index);
            const float* cls = p + 5;
            const int best = static_cast<int>(std::max_element(cls, cls + kClasses) - cls);
            const float score = p[4] * cls[best];
            if (score < threshold_) continue;
            const double cx = (p[0] + gx) * stride, cy = (p[1] + gy) * stride;
            const double bw = std::exp(p[2]) * stride, bh = std::exp(p[3]) * stride;
            boxes[best].emplace_back((cx - bw / 2) / r, (cy - bh / 2) / r, bw / r, bh / r);
            scores[best].push_back(score);
          }
        }
      }
      std::vector<Region> regions;
      for (auto& [cls, b] : boxes) {
        std::vector<cv::Rect> ib;
        for (const auto& d : b) {
          ib.emplace_back(cv::Point(static_cast<int>(std::floor(d.x)), static_cast<int>(std::floor(d.y))),
                          cv::Point(static_cast<int>(std::ceil(d.x + d.width)),
                                    static_cast<int>(std::ceil(d.y + d.height))));
        }
        std::vector<int> keep;
        cv::dnn::NMSBoxes(ib, scores[cls], threshold_, kYoloxNmsThreshold, keep);
        for (int k : keep) {
          Region reg;
          reg.kind = kind_of_class(cls);
          reg.box = ib[k];
          reg.score = std::clamp(scores[cls][k], 0.0f, 1.0f);
          reg.label = names_[cls];
          reg.detector = "yolox";
          regions.push_back(std::move(reg));
        }
      }
      return regions;
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("YOLOX detection failed: ") + e.what());
    }
  }

 private:
  cv::dnn::Net net_;
  float threshold_;
  std::vector<std::string> names_;
};

}  // namespace

Result<std::unique_ptr<Detector>> make_yolox_detector(const DetectorOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "yolox", kYoloxModel, 0, "model=FILE"));
  SHROUD_ASSIGN_OR_RETURN(auto model, load_onnx_model(options.models, args.model, "YOLOX"));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kYoloxDefaultThreshold;
  auto detector = std::make_unique<YoloxDetector>(std::move(model.net), threshold);
  detector->add_model_file(model.path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
