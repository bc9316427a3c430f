// The benchmarks' 1920x1080 BGR frame: OpenCV's messi5.jpg sample (Debian's opencv-doc)
// stretched to 1080p, or uniform noise when the sample is absent; made once per process.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace shroud::bench {

inline cv::Mat frame_1080p() {
  static cv::Mat frame = [] {
    cv::Mat src = cv::imread("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
    if (src.empty()) {
      src.create(342, 548, CV_8UC3);
      cv::randu(src, 0, 256);
    }
    cv::Mat out;
    cv::resize(src, out, cv::Size(1920, 1080), 0, 0, cv::INTER_LINEAR);
    return out;
  }();
  return frame;
}

}  // namespace shroud::bench
