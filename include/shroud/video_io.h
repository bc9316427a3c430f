// Video input (OpenCV/FFmpeg: files, cameras, network streams) and output (libavcodec +
// libavformat: H.264/MPEG-4/FFV1 with the input's audio streams copied, not re-encoded).
//
// Output is written to a temporary file beside the target and renamed by finish(); a writer
// destroyed without finish() removes it, so a failed run leaves no partial video.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "shroud/result.h"

namespace shroud {

struct VideoInfo {
  cv::Size size;
  double fps = 0.0;            // frames per second (0 when unknown: live sources)
  std::int64_t frame_count = 0;  // 0 when unknown
  bool live = false;           // camera or network stream
};

// kResourceLimit when frames of `size` are over default_max_pixels() (image_io.h, the CLI's
// --max-pixels). VideoReader::open checks the stream's size before decoding any frame, and read()
// checks a frame whose size differs from it.
Status check_video_frame_size(cv::Size size);

class VideoReader {
 public:
  // `source`: a file path, a camera index ("0"), or a URL (rtsp://, http://, ...).
  static Result<std::unique_ptr<VideoReader>> open(const std::string& source);
  virtual ~VideoReader() = default;
  virtual const VideoInfo& info() const = 0;
  // Next frame (BGR 8-bit); an empty Mat at the end of the stream.
  virtual Result<cv::Mat> read() = 0;
};

struct VideoWriterOptions {
  std::string path;               // output file; the extension picks the container
  cv::Size size;                  // frame size
  double fps = 25.0;
  std::string codec = "auto";     // auto (h264 for mp4/mkv/mov, mpeg4 for avi), h264, mpeg4, ffv1 (lossless)
  int crf = 20;                   // H.264 quality (lower is better)
  std::string preset = "veryfast";  // x264 speed preset
  int threads = 1;                // encoder threads
  std::string audio_from;         // copy the audio streams of this file (empty: no audio)
  bool overwrite = false;
};

class VideoWriter {
 public:
  static Result<std::unique_ptr<VideoWriter>> open(const VideoWriterOptions& options);
  virtual ~VideoWriter() = default;
  // Encodes one BGR 8-bit frame of the configured size.
  virtual Status write(const cv::Mat& frame) = 0;
  // Flushes the encoder, copies the remaining audio, writes the trailer and renames into place.
  virtual Status finish() = 0;
  // Number of audio streams being copied.
  virtual int audio_streams() const = 0;
};

// True when the path names a video container Shroud reads as video (.mp4 .mkv .avi .mov .webm ...).
bool is_video_path(const std::string& path);

}  // namespace shroud
