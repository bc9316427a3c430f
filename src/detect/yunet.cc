// yunet[:OPTIONS] — YuNet face detector (face_detection_yunet_2022mar.onnx, cv::FaceDetectorYN).
//
// Produces faces with 5 landmarks (right eye, left eye, nose tip, right and left mouth corner)
// in frame coordinates. Options, joined with '+': "eyes" reports the eye band derived from the
// landmarks (kind eyes, see eyes_from_face()) instead of the face. Small faces: frames whose
// longest side exceeds 1.5x the detection size get a second pass over overlapping
// detect_size x detect_size tiles (96 px overlap) at native resolution ("tilescale=X" scales
// the frame first; "tile" also tiles frames between 1x and 1.5x; "notile" disables it), merged
// with NMS. In video, frames between change-gate references run every Nth tile in turn
// ("tilerotate=N", default 2; 1 runs all). "model=FILE" uses another copy of the model (a name
// looked up like the default, or a path).
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
#include "detect/tile_merge.h"
#include "shroud/policy.h"

namespace shroud {
namespace {

constexpr float kYunetDefaultThreshold = 0.6f;
constexpr int kYunetDefaultDetectSize = 640;
constexpr double kYunetMaxUpscale = 4.0;
constexpr float kYunetNmsThreshold = 0.3f;
constexpr int kTopK = 5000;
constexpr int kMinInput = 64;
constexpr int kTileOverlap = 96;       // pixels (at tile scale) shared by neighbouring tiles
// A tile face whose box comes this close (pixels at tile scale) to an inner tile edge may be cut
// by it (merge_cut_faces(), tile_merge.h).
constexpr int kTileEdgeTolerance = 3;
constexpr double kDefaultTileScale = 1.0;  // tiles run at this fraction of the frame's resolution
// Video: a detected frame that is not a gate reference runs every kDefaultTileRotation-th tile
// of its tile pass, the next detected frame the following ones, so each tile is seen every
// kDefaultTileRotation detected frames (the tracker holds what was found in between); gate
// references and stills run every tile.
constexpr int kDefaultTileRotation = 2;
// Change gate (video): grey blocks of kGateBlock x kGateBlock pixels; a block whose mean moved by
// more than kGateDiff grey levels since the reference is changed; changed areas grow by
// max(kGateMinMargin, longest side / 16) pixels; more than kGateMaxArea of the frame changed runs
// the whole frame. References are the frames whose index is a multiple of the gate period:
// kGateEvery frames rounded up to a multiple of the stream's detect-every (see gate_period()).
constexpr int kGateBlock = 4;
constexpr int kGateDiff = 12;
constexpr int kGateMinMargin = 32;
constexpr double kGateMaxArea = 0.5;
constexpr std::int64_t kGateEvery = 12;

// A gate reference: frame `index`'s grey blocks and the faces the whole-frame pass found in it.
struct GateReference {
  std::int64_t index = -1;
  std::string source;
  cv::Size size;
  cv::Mat small;
  std::vector<Region> faces;
};

enum class TileMode { kAuto, kOff, kOn };

class YunetDetector final : public Detector {
 public:
  YunetDetector(cv::Ptr<cv::FaceDetectorYN> net, std::string name, int detect_size, bool eyes, TileMode tile,
                double tile_scale, int tile_rotation, bool gate)
      : net_(std::move(net)), name_(std::move(name)), detect_size_(detect_size), eyes_(eyes), tile_(tile),
        tile_scale_(tile_scale), tile_rotation_(tile_rotation), gate_(gate) {}

  std::string name() const override { return name_; }
  // The tile pass looks at the frame's full resolution (its size decides whether it runs).
  int min_input_side() const override { return tile_ == TileMode::kOff ? detect_size_ : 0; }

  Result<std::vector<Region>> detect(const Frame& frame) override {
    // The change gate. Determinism: the reference of frame k is frame k0 = k - k % P (P the gate
    // period), a function of the index alone. k0 runs whole and publishes its grey blocks and
    // faces; k0 < k < k0 + P takes them, from the stream shared by all workers' detectors when
    // there is one (waiting for the worker running k0: frames are dispatched in index order) or
    // from this detector's own last reference otherwise (frames given to it in order).
    const std::int64_t period = gate_period();
    const bool reference = gate_ && period > 0 && frame.index % period == 0;
    if (frame.image.empty()) {
      if (reference) publish_reference(frame, cv::Mat(), {});  // nothing, so no worker waits for it
      return make_error(ErrorCode::kInvalidArgument, "empty frame");
    }
    bool published = false;
    try {
      const cv::Mat bgr = to_bgr8(frame.image);
      const cv::Rect whole(0, 0, bgr.cols, bgr.rows);
      const int longest = std::max(bgr.cols, bgr.rows);
      const bool tile = tile_ == TileMode::kOn ? longest * tile_scale_ > detect_size_
                        : tile_ == TileMode::kAuto ? longest * tile_scale_ > detect_size_ * 3 / 2
                                                   : false;
      // Which share of the tiles this frame runs (all of them for stills and gate references).
      TileShare share;
      if (stream_ != nullptr && !reference && tile_rotation_ > 1) {
        share.every = tile_rotation_;
        share.phase = static_cast<int>((frame.index / stream_->detect_every()) % tile_rotation_);
      }
      std::vector<Region> faces;
      std::vector<cv::Rect> areas;
      std::shared_ptr<const GateReference> ref;
      if (gate_ && period > 0 && !reference) ref = take_reference(frame);
      if (ref != nullptr && changed_areas(bgr, *ref, &areas, &faces)) {
        // Video, few pixels changed since the reference frame: its faces outside the changed
        // areas are kept (same pixels, same faces), the changed areas are detected again at the
        // scales the whole frame would have been seen at.
        const double scale = detection_scale(bgr.size(), detect_size_, kYunetMaxUpscale);
        for (const cv::Rect& a : areas) {
          cv::Mat crop = bgr(a);
          if (scale != 1.0) {
            cv::resize(crop, crop, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
          }
          run_at(crop, cv::Point2d(a.x, a.y), 1.0 / scale, &faces, /*native=*/true);
          if (tile) tile_pass(bgr, a, share, &faces);
        }
        faces = suppress_overlaps(std::move(faces), kYunetNmsThreshold);
        ++gated_frames_;
      } else {
        faces.clear();
        run_at(bgr, cv::Point2d(0, 0), 1.0, &faces);
        if (tile) {
          tile_pass(bgr, whole, share, &faces);
          faces = suppress_overlaps(std::move(faces), kYunetNmsThreshold);
        }
        if (reference) {
          publish_reference(frame, bgr, faces);
          published = true;
        }
      }
      if (!eyes_) return faces;
      std::vector<Region> eyes;
      for (const auto& f : faces) {
        if (auto e = eyes_from_face(f)) eyes.push_back(std::move(*e));
      }
      return eyes;
    } catch (const cv::Exception& e) {
      // A failed reference still publishes (nothing), so no worker waits for it.
      if (reference && !published) publish_reference(frame, cv::Mat(), {});
      return make_error(ErrorCode::kInternal, std::string("YuNet detection failed: ") + e.what());
    }
  }

  void set_stream(std::shared_ptr<StreamContext> stream) override {
    stream_ = std::move(stream);
    own_ref_.reset();
  }

  // Frames of this detector's last calls that were detected only where they changed (tests).
  std::int64_t gated_frames() const { return gated_frames_; }

 private:
  // The tiles a pass runs: those whose index (row-major) is `phase` modulo `every`.
  struct TileShare {
    int every = 1;
    int phase = 0;
  };

  // Second pass over `area` of the frame: overlapping detect_size x detect_size tiles of it at
  // tile_scale_, so small faces are seen near native resolution (the first pass downscaled them).
  void tile_pass(const cv::Mat& bgr, const cv::Rect& area, TileShare share, std::vector<Region>* faces) {
    cv::Mat scaled = bgr(area);
    if (tile_scale_ != 1.0) cv::resize(scaled, scaled, cv::Size(), tile_scale_, tile_scale_, cv::INTER_AREA);
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
    int index = 0;
    std::vector<Region> cut;  // faces touching a tile edge inside the area: possibly cut by it
    for (int y : starts(scaled.rows)) {
      for (int x : starts(scaled.cols)) {
        if (index++ % share.every != share.phase) continue;
        const cv::Rect r = cv::Rect(x, y, tw, th) & cv::Rect(0, 0, scaled.cols, scaled.rows);
        std::vector<Region> found;
        run_at(scaled(r), cv::Point2d(area.x + r.x / tile_scale_, area.y + r.y / tile_scale_), 1.0 / tile_scale_,
               &found, /*native=*/true);
        // The tile's inner edges in frame coordinates (an edge on the area's border cuts nothing).
        const double s = 1.0 / tile_scale_, tol = kTileEdgeTolerance * s;
        const double x0 = r.x > 0 ? area.x + r.x * s : -1e9, y0 = r.y > 0 ? area.y + r.y * s : -1e9;
        const double x1 = r.br().x < scaled.cols ? area.x + r.br().x * s : 1e9;
        const double y1 = r.br().y < scaled.rows ? area.y + r.br().y * s : 1e9;
        for (Region& f : found) {
          const bool touches = f.box.x <= x0 + tol || f.box.y <= y0 + tol || f.box.br().x >= x1 - tol ||
                               f.box.br().y >= y1 - tol;
          (touches ? cut : *faces).push_back(std::move(f));
        }
      }
    }
    merge_cut_faces(std::move(cut), faces);
  }

  // Frames between two references: kGateEvery rounded up to a multiple of the stream's
  // detect-every (the frames the pipeline gives this detector); 0 (no gate) when that leaves no
  // frame between two references.
  std::int64_t gate_period() const {
    const std::int64_t step = stream_ != nullptr ? stream_->detect_every() : 1;
    const std::int64_t period = (kGateEvery + step - 1) / step * step;
    return period > step ? period : 0;
  }

  std::string gate_key() const { return "yunet-gate:" + name_; }

  // Frame k's reference (k0 = k - k % period), or null when there is none to use (failed, or not
  // seen by this detector when it has no stream). With a stream it waits for k0's worker.
  std::shared_ptr<const GateReference> take_reference(const Frame& frame) {
    const std::int64_t period = gate_period();
    const std::int64_t k0 = frame.index - frame.index % period;
    if (frame.index <= 0) return nullptr;
    if (stream_ != nullptr) {
      // Only frames the pipeline detects count as uses of k0's entry (publish_reference()).
      if (frame.index % stream_->detect_every() != 0) return nullptr;
      return std::static_pointer_cast<const GateReference>(stream_->take(gate_key(), k0));
    }
    if (own_ref_ == nullptr || own_ref_->index != k0 || own_ref_->source != frame.source) return nullptr;
    return own_ref_;
  }

  void publish_reference(const Frame& frame, const cv::Mat& bgr, const std::vector<Region>& faces) {
    // Alone, index 0 is a still as often as a first video frame: not worth its grey blocks.
    if (stream_ == nullptr && frame.index == 0) return;
    std::shared_ptr<GateReference> ref;
    if (!bgr.empty()) {
      ref = std::make_shared<GateReference>();
      ref->index = frame.index;
      ref->source = frame.source;
      ref->size = bgr.size();
      ref->small = gate_image(bgr);
      ref->faces = faces;
    }
    if (stream_ != nullptr) {
      // Taken once by each detected frame after it up to the next reference.
      const std::int64_t step = stream_->detect_every();
      stream_->publish(gate_key(), frame.index, ref, static_cast<int>(gate_period() / step - 1));
    } else {
      own_ref_ = ref;
    }
  }

  // The change gate: frame `bgr` against its reference `ref`. Returns false (run on the whole
  // frame) when the sizes differ or when the changed areas cover more than kGateMaxArea of the
  // frame. Otherwise `areas` are the changed areas (blocks whose mean grey level moved by more
  // than kGateDiff, grown by a margin and by every reference face they touch, merged) and `kept`
  // the reference faces that touch none of them.
  bool changed_areas(const cv::Mat& bgr, const GateReference& ref, std::vector<cv::Rect>* areas,
                     std::vector<Region>* kept) {
    if (bgr.size() != ref.size) return false;
    const cv::Mat small = gate_image(bgr);
    cv::Mat diff;
    cv::absdiff(small, ref.small, diff);
    cv::Mat mask = diff > kGateDiff;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    const int margin = std::max(kGateMinMargin, std::max(bgr.cols, bgr.rows) / 16);
    const cv::Rect whole(0, 0, bgr.cols, bgr.rows);
    std::vector<cv::Rect> boxes;
    for (int i = 1; i < n; ++i) {
      const cv::Rect b(stats.at<int>(i, cv::CC_STAT_LEFT) * kGateBlock, stats.at<int>(i, cv::CC_STAT_TOP) * kGateBlock,
                       stats.at<int>(i, cv::CC_STAT_WIDTH) * kGateBlock, stats.at<int>(i, cv::CC_STAT_HEIGHT) * kGateBlock);
      boxes.push_back(cv::Rect(b.x - margin, b.y - margin, b.width + 2 * margin, b.height + 2 * margin) & whole);
    }
    // Grow by the reference faces they touch (so a face is never cut by an area's edge) and merge
    // overlapping areas, until nothing changes.
    std::vector<bool> dropped(ref.faces.size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t f = 0; f < ref.faces.size(); ++f) {
        if (dropped[f]) continue;
        const cv::Rect& fb = ref.faces[f].box;
        const cv::Rect grown = cv::Rect(fb.x - fb.width / 4, fb.y - fb.height / 4, fb.width * 3 / 2, fb.height * 3 / 2) & whole;
        for (auto& b : boxes) {
          if ((b & fb).area() > 0) {
            b |= grown;
            dropped[f] = true;
            changed = true;
            break;
          }
        }
      }
      for (std::size_t i = 0; i < boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < boxes.size(); ++j) {
          if ((boxes[i] & boxes[j]).area() > 0) {
            boxes[i] |= boxes[j];
            boxes.erase(boxes.begin() + static_cast<std::ptrdiff_t>(j));
            changed = true;
            --j;
          }
        }
      }
    }
    double area = 0;
    for (const auto& b : boxes) area += b.area();
    if (area > kGateMaxArea * whole.area()) return false;
    *areas = std::move(boxes);
    kept->clear();
    for (std::size_t f = 0; f < ref.faces.size(); ++f) {
      if (!dropped[f]) kept->push_back(ref.faces[f]);
    }
    return true;
  }

  static cv::Mat gate_image(const cv::Mat& bgr) {
    cv::Mat grey, small;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::resize(grey, small, cv::Size(bgr.cols / kGateBlock, bgr.rows / kGateBlock), 0, 0, cv::INTER_AREA);
    return small;
  }

  // Detects faces in `image` and appends them in frame coordinates: a box (x, y) in `image`
  // (after its resize to the detection size, unless `native`) maps to origin + (x, y) * back.
  void run_at(const cv::Mat& image, cv::Point2d origin, double back, std::vector<Region>* out, bool native = false) {
    const double scale = native ? 1.0 : detection_scale(image.size(), detect_size_, kYunetMaxUpscale);
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
    const double k = back / scale;
    for (int i = 0; i < faces.rows; ++i) {
      const float* f = faces.ptr<float>(i);
      Region r;
      r.kind = Kind::kFace;
      const double x0 = origin.x + f[0] * k, y0 = origin.y + f[1] * k;
      const double x1 = origin.x + (f[0] + f[2]) * k, y1 = origin.y + (f[1] + f[3]) * k;
      r.box = cv::Rect(cv::Point(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0))),
                       cv::Point(static_cast<int>(std::ceil(x1)), static_cast<int>(std::ceil(y1))));
      for (int p = 0; p < 5; ++p) {
        r.landmarks.emplace_back(static_cast<float>(origin.x + f[4 + 2 * p] * k),
                                 static_cast<float>(origin.y + f[5 + 2 * p] * k));
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
  int tile_rotation_;
  bool gate_;
  // Change gate state: the stream's shared references, or this detector's own last one.
  std::shared_ptr<StreamContext> stream_;
  std::shared_ptr<const GateReference> own_ref_;
  std::int64_t gated_frames_ = 0;
};

}  // namespace

std::int64_t yunet_gated_frames(const Detector& detector) {
  const auto* y = dynamic_cast<const YunetDetector*>(&detector);
  return y != nullptr ? y->gated_frames() : 0;
}

Result<std::unique_ptr<Detector>> make_yunet_detector(const DetectorOptions& options) {
  bool eyes = false;
  TileMode tile = TileMode::kAuto;
  double tile_scale = kDefaultTileScale;
  int tile_rotation = kDefaultTileRotation;
  bool gate = true;
  auto extra = [&](const std::string& word) -> Result<bool> {
    if (word == "eyes") eyes = true;
    else if (word == "tile") tile = TileMode::kOn;
    else if (word == "notile") tile = TileMode::kOff;
    else if (word == "nogate") gate = false;
    else if (word.rfind("tilescale=", 0) == 0) {
      try {
        tile_scale = std::stod(word.substr(10));
      } catch (const std::exception&) {
        tile_scale = 0;
      }
      if (!(tile_scale >= 0.25 && tile_scale <= 2.0)) {
        return make_error(ErrorCode::kInvalidArgument, "yunet tilescale must be a number in [0.25, 2]: '" + word + "'");
      }
    } else if (word.rfind("tilerotate=", 0) == 0) {
      const std::string n = word.substr(11);
      tile_rotation = n.size() == 1 && n[0] >= '1' && n[0] <= '8' ? n[0] - '0' : 0;
      if (tile_rotation < 1 || tile_rotation > 8) {
        return make_error(ErrorCode::kInvalidArgument, "yunet tilerotate must be an integer in [1, 8]: '" + word + "'");
      }
    } else {
      return false;
    }
    return true;
  };
  SHROUD_ASSIGN_OR_RETURN(auto args, parse_dnn_args(options.arg, "yunet", kYunetModel, 0,
                                                    "eyes, tile, notile, nogate, tilescale=X, tilerotate=N, model=FILE, e.g. yunet:eyes+notile", extra));
  SHROUD_ASSIGN_OR_RETURN(auto path, find_model(options.models, args.model));
  const float threshold = options.score_threshold >= 0 ? options.score_threshold : kYunetDefaultThreshold;
  const int size = options.detect_size > 0 ? options.detect_size : kYunetDefaultDetectSize;
  cv::Ptr<cv::FaceDetectorYN> net;
  try {
    net = cv::FaceDetectorYN::create(path.string(), "", cv::Size(320, 320), threshold, kYunetNmsThreshold, kTopK);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "cannot load YuNet model '" + path.string() + "': " + e.what());
  }
  if (net.empty()) return make_error(ErrorCode::kCorrupt, "cannot load YuNet model '" + path.string() + "'");
  auto detector = std::make_unique<YunetDetector>(std::move(net), detector_name("yunet", options.arg), size, eyes, tile,
                                                  tile_scale, tile_rotation, gate);
  detector->add_model_file(path.string());
  return std::unique_ptr<Detector>(std::move(detector));
}

}  // namespace shroud
