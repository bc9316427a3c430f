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

#include "shroud/result.h"
#include "shroud/video.h"

namespace shroud {

struct MovingClip {
  std::string path;                             // the rendered video
  std::vector<std::vector<cv::Rect>> faces;     // per frame, the labelled faces in frame pixels
};

// Renders the clip to `path` (FFV1 in .mkv): `frames` frames of `size`, camera zooming from 1.25x
// to 2x and back while panning left to right. Deterministic.
Result<MovingClip> make_moving_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames = 150, cv::Size size = {640, 360});

// Renders a clip from a fixed camera (FFV1 in .mkv): a still window of the same composite at 2x
// zoom (its faces stay put) with four of its faces, larger, walking across the frame (moving for
// the first third of the clip, standing for the second, moving again). Deterministic.
Result<MovingClip> make_static_camera_clip(const std::filesystem::path& dlib_dir, const std::string& path,
                                           int frames = 150, cv::Size size = {640, 360});

struct ExposureResult {
  int frames = 0;
  int face_frames = 0;           // (face, frame) pairs counted (>= min_width, inside the frame)
  int exposed_face_frames = 0;   // of those, not covered
  int frames_with_exposure = 0;  // frames with at least one exposed face
  double seconds = 0.0;          // protect_video wall time
  VideoSummary summary;
};

// Protects `clip` with the pipeline (output written to `output`) and counts exposed face-frames.
Result<ExposureResult> evaluate_exposure(const MovingClip& clip, const DetectorFactory& make_detector,
                                         VideoProtectOptions options, const std::string& output,
                                         int min_width = 16, double min_cover = 0.7);

}  // namespace shroud
