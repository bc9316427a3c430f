// CameraMotion (include/shroud/camera_motion.h).
#include "shroud/camera_motion.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace shroud {

CameraMotion::CameraMotion(CameraMotionOptions options) : options_(options) {}

cv::Matx23d CameraMotion::step(const cv::Mat& bgr, bool estimate) {
  const cv::Matx23d identity(1, 0, 0, 0, 1, 0);
  if (bgr.empty()) return identity;
  const double s = std::min(1.0, static_cast<double>(options_.width) / bgr.cols);
  // Grey, halved by pyramid steps while at least twice the analysis width, then resized to it.
  cv::Mat small;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, small, cv::COLOR_BGR2GRAY);
  } else {
    small = bgr;
  }
  while (small.cols >= 2 * options_.width) {
    cv::Mat half;
    cv::pyrDown(small, half);
    small = half;
  }
  const cv::Size target(std::max(1, static_cast<int>(std::lround(bgr.cols * s))),
                        std::max(1, static_cast<int>(std::lround(bgr.rows * s))));
  if (small.size() != target) {
    cv::Mat resized;
    cv::resize(small, resized, target, 0, 0, cv::INTER_AREA);
    small = resized;
  } else if (small.data == bgr.data) {
    small = small.clone();
  }
  cv::Mat previous = std::move(previous_);
  const cv::Size previous_full = full_;
  previous_ = small;
  full_ = bgr.size();
  if (!estimate || previous.empty() || previous_full != bgr.size() || small.cols < 16 || small.rows < 16) return identity;

  std::vector<cv::Point2f> from, to;
  cv::goodFeaturesToTrack(previous, from, options_.max_corners, 0.01, 8);
  if (static_cast<int>(from.size()) < options_.min_inliers) return identity;
  std::vector<unsigned char> status;
  std::vector<float> error;
  cv::calcOpticalFlowPyrLK(previous, small, from, to, status, error, cv::Size(options_.window, options_.window), options_.levels);
  std::vector<cv::Point2f> a, b;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (status[i] != 0) {
      a.push_back(from[i]);
      b.push_back(to[i]);
    }
  }
  if (static_cast<int>(a.size()) < options_.min_inliers) return identity;
  std::vector<unsigned char> inliers;
  // OpenCV's RANSAC seeds its own generator with a constant on each call: same points, same fit.
  cv::Mat m = cv::estimateAffinePartial2D(a, b, inliers, cv::RANSAC, options_.ransac_px, 2000, 0.99, 10);
  if (m.empty() || cv::countNonZero(inliers) < options_.min_inliers) return identity;
  const double scale = std::hypot(m.at<double>(0, 0), m.at<double>(1, 0));
  if (!(scale > 0.8 && scale < 1.25)) return identity;
  // Back to full-resolution coordinates: x_full = x_small / s, so t scales by 1 / s.
  const cv::Matx23d full(m.at<double>(0, 0), m.at<double>(0, 1), m.at<double>(0, 2) / s,
                         m.at<double>(1, 0), m.at<double>(1, 1), m.at<double>(1, 2) / s);
  double moved = 0.0;
  for (const cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(bgr.cols, 0), cv::Point2d(0, bgr.rows),
                              cv::Point2d(bgr.cols, bgr.rows)}) {
    const double dx = full(0, 0) * p.x + full(0, 1) * p.y + full(0, 2) - p.x;
    const double dy = full(1, 0) * p.x + full(1, 1) * p.y + full(1, 2) - p.y;
    moved = std::max(moved, std::hypot(dx, dy));
  }
  return moved < 0.5 ? identity : full;
}

cv::Rect transform_box(const cv::Rect& box, const cv::Matx23d& m) {
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const cv::Point2d p : {cv::Point2d(box.x, box.y), cv::Point2d(box.x + box.width, box.y),
                              cv::Point2d(box.x, box.y + box.height), cv::Point2d(box.x + box.width, box.y + box.height)}) {
    const double x = m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2);
    const double y = m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2);
    x0 = std::min(x0, x);
    y0 = std::min(y0, y);
    x1 = std::max(x1, x);
    y1 = std::max(y1, y);
  }
  // Clamp far outside any frame (a wild transform must not overflow int).
  auto clamp = [](double v) { return std::clamp(v, -1e6, 1e6); };
  const int ix0 = static_cast<int>(std::floor(clamp(x0))), iy0 = static_cast<int>(std::floor(clamp(y0)));
  const int ix1 = static_cast<int>(std::ceil(clamp(x1))), iy1 = static_cast<int>(std::ceil(clamp(y1)));
  return cv::Rect(ix0, iy0, std::max(1, ix1 - ix0), std::max(1, iy1 - iy0));
}

Region transform_region(const Region& region, const cv::Matx23d& m) {
  Region out = region;
  out.box = transform_box(region.box, m);
  for (auto& p : out.landmarks) {
    const double x = m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), y = m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2);
    p = cv::Point2f(static_cast<float>(x), static_cast<float>(y));
  }
  return out;
}

cv::Matx23d invert_motion(const cv::Matx23d& m) {
  cv::Matx23d inv;
  cv::invertAffineTransform(m, inv);
  return inv;
}

}  // namespace shroud
