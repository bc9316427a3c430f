// Video evaluation: exposed face-frames on a generated moving-camera clip with ground truth in
// every frame.
//
// The clip is a virtual camera panning and zooming over a labelled still (the first faces-small
// composite, 1280x720 with faces 16-128 pixels wide), rendered at `size` (default 640x360) and
// written losslessly (FFV1); every frame's face boxes follow from the camera window. The clip
// is then protected by the real video pipeline (protect_video with the caller's detector and
// options) and each labelled face at least `min_width` pixels wide and fully inside the frame
// counts as exposed in a frame where less than `min_cover` of its area lies inside the
// protected boxes of that frame.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shroud/detector.h"
#include "shroud/eval.h"
#include "shroud/result.h"
#include "shroud/video.h"

namespace shroud {

struct MovingClip {
  std::string path;                             // the rendered video
  std::vector<std::vector<cv::Rect>> faces;     // per frame, the labelled boxes in frame pixels
  std::vector<std::vector<int>> ids;            // per frame, each box's index in the still's labels
};

// Renders the clip to `path` (FFV1 in .mkv): `frames` frames of `size`, camera zooming from 1.25x
// to 2x and back while panning left to right. Deterministic.
Result<MovingClip> make_moving_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames = 150, cv::Size size = {640, 360});
// The same camera path over any labelled still (its `image` and `boxes`).
Result<MovingClip> make_moving_camera_clip(const LabeledImage& still, const std::string& path, int frames = 150,
                                           cv::Size size = {640, 360});

// The plate clip: the same camera path over a 1920x1080 mosaic of four openalpr EU photos (one
// labelled plate each; `data_dir` laid out like ../shared/data). Deterministic.
Result<MovingClip> make_moving_plate_clip(const std::filesystem::path& data_dir, const std::string& path,
                                          int frames = 150, cv::Size size = {640, 360});

// "Found in any frame": runs `detector` on the clip's frames on their own and keeps only the
// labelled boxes of the ids that some frame's detection of `kind` matches with IoU >= min_iou;
// the rest are dropped from every frame. `every_frame`: each frame is given index 0, so a
// detector with a cadence (lpd, every 12th frame) runs its model on every frame; otherwise frames
// keep their index and the detector runs on the frames the video pipeline would run it on.
// `cpu_ms_per_frame` (optional) receives the detector's mean CPU time per frame on this thread.
// The detector runs as in a video stream (Detector::set_stream), so it sizes its passes as the
// video pipeline would; it is left without a stream afterwards.
Result<MovingClip> keep_found_labels(const MovingClip& clip, Detector& detector, Kind kind, bool every_frame,
                                     double min_iou = 0.3, double* cpu_ms_per_frame = nullptr);

// Renders a clip from a fixed camera (FFV1 in .mkv): a still window of the same composite at 2x
// zoom (its faces stay put) with four of its faces, larger, walking across the frame (moving for
// the first third of the clip, standing for the second, moving again). Deterministic.
Result<MovingClip> make_static_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames = 150, cv::Size size = {640, 360});

// One face left uncovered in one frame.
struct ExposedFace {
  int frame = 0;
  cv::Rect face;         // the labelled face, in frame pixels
  double covered = 0.0;  // fraction of its pixels under a protected region
};

struct ExposureResult {
  int frames = 0;
  int face_frames = 0;           // (face, frame) pairs counted (>= min_width, inside the frame)
  int exposed_face_frames = 0;   // of those, not covered
  int frames_with_exposure = 0;  // frames with at least one exposed face
  std::vector<ExposedFace> exposed;  // each exposed face-frame, in frame order
  double seconds = 0.0;          // protect_video wall time
  VideoSummary summary;
};

// Protects `clip` with the pipeline (output written to `output`) and counts exposed face-frames.
Result<ExposureResult> evaluate_exposure(const MovingClip& clip, const DetectorFactory& make_detector,
                                         VideoProtectOptions options, const std::string& output,
                                         int min_width = 16, double min_cover = 0.7);

}  // namespace shroud
