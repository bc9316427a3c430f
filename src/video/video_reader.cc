#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "shroud/image_io.h"
#include "shroud/video_io.h"

namespace shroud {
namespace {

class CvVideoReader final : public VideoReader {
 public:
  explicit CvVideoReader(cv::VideoCapture cap, bool live) : cap_(std::move(cap)) {
    info_.size = cv::Size(static_cast<int>(cap_.get(cv::CAP_PROP_FRAME_WIDTH)),
                          static_cast<int>(cap_.get(cv::CAP_PROP_FRAME_HEIGHT)));
    info_.fps = cap_.get(cv::CAP_PROP_FPS);
    if (!(info_.fps > 0.0 && info_.fps < 1000.0)) info_.fps = 0.0;
    const double n = cap_.get(cv::CAP_PROP_FRAME_COUNT);
    info_.frame_count = (!live && n > 0) ? static_cast<std::int64_t>(n) : 0;
    info_.live = live;
  }
  const VideoInfo& info() const override { return info_; }
  Result<cv::Mat> read() override {
    cv::Mat frame;
    try {
      if (!cap_.read(frame)) return cv::Mat();
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kCorrupt, std::string("video decoding failed: ") + e.what());
    }
    if (frame.type() != CV_8UC3) {
      return make_error(ErrorCode::kUnsupported, "video decoder produced a non-BGR frame");
    }
    if (frame.size() != info_.size && info_.size.area() > 0) {
      SHROUD_RETURN_IF_ERROR(check_video_frame_size(frame.size()));
    }
    return frame;
  }

 private:
  cv::VideoCapture cap_;
  VideoInfo info_;
};

}  // namespace

Status check_video_frame_size(cv::Size size) {
  const std::int64_t pixels = std::int64_t{size.width} * size.height;
  if (pixels > default_max_pixels()) {
    return make_error(ErrorCode::kResourceLimit, "video frames are " + std::to_string(size.width) + "x" +
                                                     std::to_string(size.height) + ", over the limit of " +
                                                     std::to_string(default_max_pixels()) + " pixels (--max-pixels raises it)");
  }
  return ok_status();
}

bool is_video_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kExts[] = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".ts", ".mts", ".mpg", ".mpeg", ".wmv", ".flv"};
  return std::any_of(std::begin(kExts), std::end(kExts), [&](const char* e) { return ext == e; });
}

Result<std::unique_ptr<VideoReader>> VideoReader::open(const std::string& source) {
  cv::VideoCapture cap;
  bool live = false;
  const bool is_index = !source.empty() && std::all_of(source.begin(), source.end(), ::isdigit);
  try {
    if (is_index) {
      live = true;
      cap.open(std::stoi(source));
    } else if (source.rfind("pipe:", 0) == 0) {
      live = true;  // a pipe can be read once: no second pass for the audio
      cap.open(source, cv::CAP_FFMPEG);
    } else if (source.find("://") != std::string::npos) {
      live = source.rfind("file://", 0) != 0;
      cap.open(source, cv::CAP_FFMPEG);
    } else {
      std::error_code ec;
      if (!std::filesystem::exists(source, ec)) {
        return make_error(ErrorCode::kNotFound, "'" + source + "': no such file");
      }
      cap.open(source, cv::CAP_FFMPEG);
    }
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "'" + source + "': cannot open video: " + e.what());
  }
  if (!cap.isOpened()) {
    return make_error(is_index ? ErrorCode::kNotFound : ErrorCode::kCorrupt,
                      "'" + source + "': cannot open as a video (" +
                          (is_index ? std::string("no such camera") : std::string("not a video FFmpeg can decode")) + ")");
  }
  auto reader = std::make_unique<CvVideoReader>(std::move(cap), live);
  // Before the first frame is decoded: the size from the stream header against the pixel limit.
  if (Status s = check_video_frame_size(reader->info().size); !s.ok()) {
    return make_error(s.error().code, "'" + source + "': " + s.error().message);
  }
  return std::unique_ptr<VideoReader>(std::move(reader));
}

}  // namespace shroud
