// The moving-camera plate clip and the "found in any frame" filter (include/shroud/video_eval.h).
#include <time.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <memory>
#include <set>

#include "shroud/region.h"
#include "shroud/stream_context.h"
#include "shroud/video_eval.h"
#include "shroud/video_io.h"

namespace shroud {
namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

Result<MovingClip> make_moving_plate_clip(const std::filesystem::path& data_dir, const std::string& path, int frames,
                                          cv::Size size) {
  SHROUD_ASSIGN_OR_RETURN(auto sets, load_standard_datasets(data_dir, {"plates-eu"}));
  const Dataset& eu = sets.front();
  if (eu.images.size() < 4) return make_error(ErrorCode::kNotFound, "plate clip: plates-eu has fewer than 4 images");
  // Four photos spread over the set (sorted by name), each fitted into a 960x540 quarter of a
  // 1920x1080 grey canvas, centred; their labels scaled with them.
  LabeledImage still;
  still.path = "plates-eu-mosaic";
  still.image = cv::Mat(1080, 1920, CV_8UC3, cv::Scalar(114, 114, 114));
  const cv::Size cell(960, 540);
  for (int q = 0; q < 4; ++q) {
    const LabeledImage& src = eu.images[eu.images.size() * static_cast<std::size_t>(q) / 4];
    const cv::Mat img = cv::imread(src.path.string(), cv::IMREAD_COLOR);
    if (img.empty()) return make_error(ErrorCode::kNotFound, "plate clip: cannot read " + src.path.string());
    const double s = std::min(static_cast<double>(cell.width) / img.cols, static_cast<double>(cell.height) / img.rows);
    const cv::Size fitted(std::max(1, static_cast<int>(img.cols * s)), std::max(1, static_cast<int>(img.rows * s)));
    const cv::Point origin((q % 2) * cell.width + (cell.width - fitted.width) / 2,
                           (q / 2) * cell.height + (cell.height - fitted.height) / 2);
    cv::resize(img, still.image(cv::Rect(origin, fitted)), fitted, 0, 0, s < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    for (const cv::Rect& b : src.boxes) {
      still.boxes.emplace_back(origin.x + static_cast<int>(b.x * s), origin.y + static_cast<int>(b.y * s),
                               std::max(1, static_cast<int>(b.width * s)), std::max(1, static_cast<int>(b.height * s)));
    }
  }
  return make_moving_camera_clip(still, path, frames, size);
}

Result<MovingClip> keep_found_labels(const MovingClip& clip, Detector& detector, Kind kind, bool every_frame,
                                     double min_iou, double* cpu_ms_per_frame) {
  SHROUD_ASSIGN_OR_RETURN(auto reader, VideoReader::open(clip.path));
  std::set<int> found;
  double cpu_ms = 0.0;
  std::size_t f = 0;
  // The detector runs as in a video stream (lpd's video gate size); with every_frame each frame is
  // frame 0 of a stream of its own. Left without one afterwards.
  auto stream = std::make_shared<StreamContext>();
  detector.set_stream(stream);
  struct Unset {
    Detector& d;
    ~Unset() { d.set_stream(nullptr); }
  } unset{detector};
  for (;; ++f) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat image, reader->read());
    if (image.empty()) break;
    if (f >= clip.faces.size()) return make_error(ErrorCode::kCorrupt, "clip has more frames than labels");
    if (every_frame && f > 0) detector.set_stream(std::make_shared<StreamContext>());
    Frame frame;
    frame.image = image;
    frame.index = every_frame ? 0 : static_cast<std::int64_t>(f);
    const double t0 = thread_cpu_ms();
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector.detect(frame));
    cpu_ms += thread_cpu_ms() - t0;
    for (std::size_t i = 0; i < clip.faces[f].size(); ++i) {
      for (const Region& r : regions) {
        if (r.kind == kind && iou(r.box, clip.faces[f][i]) >= min_iou) found.insert(clip.ids[f][i]);
      }
    }
  }
  if (f != clip.faces.size()) return make_error(ErrorCode::kCorrupt, "clip has fewer frames than labels");
  if (cpu_ms_per_frame != nullptr) *cpu_ms_per_frame = f > 0 ? cpu_ms / static_cast<double>(f) : 0.0;
  MovingClip kept;
  kept.path = clip.path;
  for (std::size_t k = 0; k < clip.faces.size(); ++k) {
    kept.faces.emplace_back();
    kept.ids.emplace_back();
    for (std::size_t i = 0; i < clip.faces[k].size(); ++i) {
      if (found.count(clip.ids[k][i]) == 0) continue;
      kept.faces.back().push_back(clip.faces[k][i]);
      kept.ids.back().push_back(clip.ids[k][i]);
    }
  }
  return kept;
}

}  // namespace shroud
