// Exposed face-frames on a generated moving-camera clip (see include/shroud/video_eval.h).
#include "shroud/video_eval.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "shroud/eval.h"
#include "shroud/policy.h"
#include "shroud/video_io.h"

namespace shroud {

Result<MovingClip> make_moving_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames, cv::Size size) {
  SHROUD_ASSIGN_OR_RETURN(Dataset ds, make_small_faces_dataset(dlib_dir, "faces-small"));
  return make_moving_camera_clip(ds.images.front(), path, frames, size);
}

Result<MovingClip> make_moving_camera_clip(const LabeledImage& still, const std::string& path, int frames,
                                           cv::Size size) {
  if (frames < 2 || size.width < 16 || size.height < 16) {
    return make_error(ErrorCode::kInvalidArgument, "moving clip: need at least 2 frames of 16x16");
  }
  const cv::Mat& img = still.image;
  if (img.empty()) return make_error(ErrorCode::kInvalidArgument, "moving clip: the still has no pixels");
  VideoWriterOptions wo;
  wo.path = path;
  wo.size = size;
  wo.fps = 25.0;
  wo.codec = "ffv1";
  wo.overwrite = true;
  SHROUD_ASSIGN_OR_RETURN(auto writer, VideoWriter::open(wo));
  MovingClip clip;
  clip.path = path;
  const double aspect = static_cast<double>(size.width) / size.height;
  for (int t = 0; t < frames; ++t) {
    const double u = static_cast<double>(t) / (frames - 1);
    const double zoom = 1.25 + 0.75 * std::sin(M_PI * u);
    // Window of the still seen by the camera: the still's height / zoom, the output's aspect.
    double wh = img.rows / zoom, ww = wh * aspect;
    if (ww > img.cols) {
      ww = img.cols;
      wh = ww / aspect;
    }
    const double cx = ww / 2 + (img.cols - ww) * u;
    const double cy = wh / 2 + (img.rows - wh) * (0.5 + 0.4 * std::sin(2 * M_PI * u));
    const cv::Rect win = cv::Rect(static_cast<int>(std::lround(std::clamp(cx - ww / 2, 0.0, img.cols - ww))),
                                  static_cast<int>(std::lround(std::clamp(cy - wh / 2, 0.0, img.rows - wh))),
                                  static_cast<int>(std::lround(ww)), static_cast<int>(std::lround(wh))) &
                         cv::Rect(0, 0, img.cols, img.rows);
    const double sx = static_cast<double>(size.width) / win.width, sy = static_cast<double>(size.height) / win.height;
    const double x0 = win.x, y0 = win.y;
    cv::Mat frame;
    cv::resize(img(win), frame, size, 0, 0, sx < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    std::vector<cv::Rect> faces;
    std::vector<int> ids;
    for (std::size_t i = 0; i < still.boxes.size(); ++i) {
      const cv::Rect& b = still.boxes[i];
      const cv::Rect r(static_cast<int>(std::lround((b.x - x0) * sx)), static_cast<int>(std::lround((b.y - y0) * sy)),
                       static_cast<int>(std::lround(b.width * sx)), static_cast<int>(std::lround(b.height * sy)));
      if ((r & cv::Rect(0, 0, size.width, size.height)).area() > 0) {
        faces.push_back(r);
        ids.push_back(static_cast<int>(i));
      }
    }
    clip.faces.push_back(std::move(faces));
    clip.ids.push_back(std::move(ids));
    SHROUD_RETURN_IF_ERROR(writer->write(frame));
  }
  SHROUD_RETURN_IF_ERROR(writer->finish());
  return clip;
}

Result<ExposureResult> evaluate_exposure(const MovingClip& clip, const DetectorFactory& make_detector,
                                         VideoProtectOptions options, const std::string& output, int min_width,
                                         double min_cover) {
  Policy policy;  // defaults: faces and plates, blurred
  std::mutex mu;
  std::vector<std::vector<cv::Rect>> covered(clip.faces.size());
  auto chained = options.on_frame;
  options.on_frame = [&](std::int64_t index, const std::vector<Action>& actions) {
    if (chained) chained(index, actions);
    std::lock_guard<std::mutex> lock(mu);
    if (index < 0 || static_cast<std::size_t>(index) >= covered.size()) return;
    for (const Action& a : actions) covered[static_cast<std::size_t>(index)].push_back(a.rect);
  };
  options.writer.path = output;
  options.writer.codec = "ffv1";
  options.writer.overwrite = true;
  options.drop_audio = true;
  const auto t0 = std::chrono::steady_clock::now();
  SHROUD_ASSIGN_OR_RETURN(VideoSummary summary, protect_video(clip.path, make_detector, policy, options));
  ExposureResult res;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.summary = summary;
  res.frames = static_cast<int>(summary.frames);
  for (std::size_t f = 0; f < clip.faces.size() && f < covered.size(); ++f) {
    bool any = false;
    const cv::Size fs = summary.input.size;
    for (const cv::Rect& face : clip.faces[f]) {
      if (face.width < min_width || (face & cv::Rect(0, 0, fs.width, fs.height)) != face) continue;
      ++res.face_frames;
      cv::Mat mask(face.size(), CV_8U, cv::Scalar(0));
      for (const cv::Rect& p : covered[f]) {
        const cv::Rect inter = p & face;
        if (inter.area() > 0) mask(inter - face.tl()).setTo(255);
      }
      if (cv::countNonZero(mask) < min_cover * face.area()) {
        ++res.exposed_face_frames;
        any = true;
      }
    }
    res.frames_with_exposure += any ? 1 : 0;
  }
  return res;
}

}  // namespace shroud
