// CameraMotion: how the whole picture moved from one video frame to the next (pan, zoom, small
// rotation), so boxes carried between detections move with the scene instead of staying where
// the camera left them.
//
// Each frame is reduced to grey at 240 px wide; corners of the previous reduced frame
// (goodFeaturesToTrack) are followed into the current one with pyramidal Lucas-Kanade, and a
// similarity transform (rotation, uniform scale, translation) is fitted with RANSAC
// (estimateAffinePartial2D). The dominant motion is the background's when it covers most of the
// picture; when fewer than `min_inliers` points agree, or the fit is implausible (scale outside
// 0.8-1.25 per frame), or it moves no corner of the frame by half a pixel (a still camera), the
// step is the identity. Deterministic for the same frames. Not
// thread-safe; one per stream, fed frames in order.
#pragma once

#include <opencv2/core.hpp>

#include "shroud/region.h"

namespace shroud {

struct CameraMotionOptions {
  int width = 240;          // analysis width (frames are reduced to it, aspect kept)
  int max_corners = 100;
  int window = 15;          // Lucas-Kanade window (pixels at the analysis width)
  int levels = 2;           // pyramid levels above the analysis image
  int min_inliers = 15;
  double ransac_px = 1.0;   // RANSAC reprojection threshold at the analysis width
};

class CameraMotion {
 public:
  explicit CameraMotion(CameraMotionOptions options = {});

  // The transform from the previous frame's pixel coordinates to this frame's (full resolution),
  // identity for the first frame, after a size change, or when no reliable motion is found.
  // `estimate` false only remembers the frame (cheap: the reduction), e.g. when nothing is
  // being carried.
  cv::Matx23d step(const cv::Mat& bgr, bool estimate = true);

 private:
  CameraMotionOptions options_;
  cv::Mat previous_;   // reduced grey
  cv::Size full_;      // full size of the previous frame
};

// The bounding box of `box`'s corners under `m` (grown outwards to whole pixels).
cv::Rect transform_box(const cv::Rect& box, const cv::Matx23d& m);
// A region moved by `m`: its box (transform_box) and its landmarks.
Region transform_region(const Region& region, const cv::Matx23d& m);
// The inverse of a (non-degenerate) 2x3 affine transform.
cv::Matx23d invert_motion(const cv::Matx23d& m);

}  // namespace shroud
