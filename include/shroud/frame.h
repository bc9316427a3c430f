// Frame: pixels plus where they came from. Pixels are a cv::Mat, 8- or 16-bit unsigned, 1, 3
// (BGR) or 4 (BGRA) channels, in stored orientation (EXIF orientation already applied).
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace shroud {

struct Frame {
  cv::Mat image;
  std::int64_t index = 0;      // frame number in a video, 0 for still images
  double timestamp = 0.0;      // seconds from the start of the stream
  std::string source;          // file path, camera id or URL
};

}  // namespace shroud
