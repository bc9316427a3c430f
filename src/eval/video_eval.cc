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
namespace {

// The generated clips are lossless (FFV1, 25 fps) so the ground truth matches the pixels.
Result<std::unique_ptr<VideoWriter>> open_clip_writer(const std::string& path, cv::Size size) {
  VideoWriterOptions wo;
  wo.path = path;
  wo.size = size;
  wo.fps = 25.0;
  wo.codec = "ffv1";
  wo.overwrite = true;
  return VideoWriter::open(wo);
}

}  // namespace

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
  SHROUD_ASSIGN_OR_RETURN(auto writer, open_clip_writer(path, size));
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

Result<MovingClip> make_static_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames, cv::Size size) {
  if (frames < 2 || size.width < 64 || size.height < 64) {
    return make_error(ErrorCode::kInvalidArgument, "static clip: need at least 2 frames of 64x64");
  }
  SHROUD_ASSIGN_OR_RETURN(Dataset ds, make_small_faces_dataset(dlib_dir, "faces-small"));
  const LabeledImage& still = ds.images.front();
  const cv::Mat& img = still.image;
  // The camera: a fixed window of the still at 2x zoom (as the moving clip's closest view),
  // centred.
  double wh = img.rows / 2.0, ww = wh * size.width / size.height;
  if (ww > img.cols) {
    ww = img.cols;
    wh = ww * size.height / size.width;
  }
  const cv::Rect win = cv::Rect(static_cast<int>((img.cols - ww) / 2), static_cast<int>((img.rows - wh) / 2),
                                static_cast<int>(ww), static_cast<int>(wh)) &
                       cv::Rect(0, 0, img.cols, img.rows);
  const double sx = static_cast<double>(size.width) / win.width, sy = static_cast<double>(size.height) / win.height;
  cv::Mat background;
  cv::resize(img(win), background, size, 0, 0, sx < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Rect frame_rect(0, 0, size.width, size.height);
  auto to_frame = [&](const cv::Rect& b) {
    return cv::Rect(static_cast<int>(std::lround((b.x - win.x) * sx)), static_cast<int>(std::lround((b.y - win.y) * sy)),
                    static_cast<int>(std::lround(b.width * sx)), static_cast<int>(std::lround(b.height * sy)));
  };
  std::vector<cv::Rect> fixed;
  for (const cv::Rect& b : still.boxes) {
    const cv::Rect r = to_frame(b);
    if ((r & frame_rect).area() > 0) fixed.push_back(r);
  }
  // Walkers: four of the still's faces (with a margin of half a face), scaled like the window,
  // crossing the frame: moving for the first third, standing for the second, moving again.
  struct Walker {
    cv::Mat patch;
    cv::Rect face;  // the face inside the patch
    cv::Point2d from, to;
  };
  std::vector<Walker> walkers;
  const int n = static_cast<int>(still.boxes.size());
  for (int k = 0; k < 4 && n > 0; ++k) {
    const cv::Rect b = still.boxes[static_cast<std::size_t>((k * 7) % n)];
    const cv::Rect m = cv::Rect(b.x - b.width / 2, b.y - b.height / 2, b.width * 2, b.height * 2) &
                       cv::Rect(0, 0, img.cols, img.rows);
    Walker w;
    // The walkers are shown 1.5x larger than the window's scale (faces 20-120 px here).
    const double ws = 1.5 * sx;
    cv::resize(img(m), w.patch, cv::Size(), ws, ws, cv::INTER_LINEAR);
    w.face = cv::Rect(static_cast<int>(std::lround((b.x - m.x) * ws)), static_cast<int>(std::lround((b.y - m.y) * ws)),
                      static_cast<int>(std::lround(b.width * ws)), static_cast<int>(std::lround(b.height * ws)));
    const double y = (k + 0.5) * size.height / 4.0 - w.patch.rows / 2.0;
    const double left = 0, right = size.width - w.patch.cols;
    w.from = k % 2 == 0 ? cv::Point2d(left, y) : cv::Point2d(right, y);
    w.to = k % 2 == 0 ? cv::Point2d(right, y) : cv::Point2d(left, y);
    walkers.push_back(std::move(w));
  }
  SHROUD_ASSIGN_OR_RETURN(auto writer, open_clip_writer(path, size));
  MovingClip clip;
  clip.path = path;
  for (int t = 0; t < frames; ++t) {
    const double u = static_cast<double>(t) / (frames - 1);
    const double progress = u < 1.0 / 3 ? u * 1.5 : u < 2.0 / 3 ? 0.5 : 0.5 + (u - 2.0 / 3) * 1.5;
    cv::Mat frame = background.clone();
    std::vector<cv::Rect> faces = fixed;
    for (const Walker& w : walkers) {
      const cv::Point at(static_cast<int>(std::lround(w.from.x + (w.to.x - w.from.x) * progress)),
                         static_cast<int>(std::lround(w.from.y + (w.to.y - w.from.y) * progress)));
      const cv::Rect dst = cv::Rect(at, w.patch.size()) & frame_rect;
      if (dst.area() <= 0) continue;
      w.patch(dst - at).copyTo(frame(dst));
      // A walker hides the fixed faces under it.
      faces.erase(std::remove_if(faces.begin(), faces.end(), [&](const cv::Rect& f) { return (f & dst).area() > 0; }),
                  faces.end());
      const cv::Rect face = (w.face + at) & frame_rect;
      if (face.area() > 0) faces.push_back(face);
    }
    clip.faces.push_back(std::move(faces));
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
      const int covered_px = cv::countNonZero(mask);
      if (covered_px < min_cover * face.area()) {
        ++res.exposed_face_frames;
        res.exposed.push_back({static_cast<int>(f), face, static_cast<double>(covered_px) / face.area()});
        any = true;
      }
    }
    res.frames_with_exposure += any ? 1 : 0;
  }
  return res;
}

}  // namespace shroud
