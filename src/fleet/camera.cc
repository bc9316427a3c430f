#include "fleet/camera.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "fleet/frame_box.h"
#include "fleet/nats_client.h"
#include "fleet/streams.h"
#include "fleet/wire.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud::fleet {
namespace {

struct SourceFrame {
  std::vector<std::uint8_t> bytes;
  std::string format;
  std::string name;
};

// Frames of a folder (image files, sorted, recursively) or of a video, one at a time.
class FrameSource {
 public:
  static Result<FrameSource> open(const CameraOptions& o) {
    FrameSource s;
    s.quality_ = o.video_quality;
    std::error_code ec;
    if (fs::is_directory(o.input, ec) || is_image_file_name(o.input)) {
      SHROUD_ASSIGN_OR_RETURN(s.files_, expand_image_inputs({o.input}));
      if (s.files_.empty()) return make_error(ErrorCode::kNotFound, "'" + o.input + "': no image files");
      for (const auto& f : s.files_) {
        if (auto fmt = frame_format_for(f.path); !fmt.ok()) return fmt.error();
      }
      return s;
    }
    if (!fs::exists(o.input, ec) && o.input.find("://") == std::string::npos) {
      return make_error(ErrorCode::kNotFound, "'" + o.input + "': no such file or folder");
    }
    s.video_ = std::make_unique<cv::VideoCapture>(o.input, cv::CAP_FFMPEG);
    if (!s.video_->isOpened()) return make_error(ErrorCode::kUnsupported, "'" + o.input + "': cannot open as a video");
    s.video_name_ = fs::path(o.input).filename().string();
    return s;
  }

  // The next frame, or an empty optional at the end.
  Result<std::optional<SourceFrame>> next() {
    if (!video_) {
      if (pos_ >= files_.size()) return std::optional<SourceFrame>();
      const InputFile& f = files_[pos_++];
      SourceFrame fr;
      SHROUD_ASSIGN_OR_RETURN(fr.bytes, read_file(f.path));
      SHROUD_ASSIGN_OR_RETURN(fr.format, frame_format_for(f.path));
      fr.name = f.root.empty() ? fs::path(f.path).filename().string() : fs::relative(f.path, f.root).string();
      return std::optional<SourceFrame>(std::move(fr));
    }
    cv::Mat m;
    if (!video_->read(m) || m.empty()) return std::optional<SourceFrame>();
    SourceFrame fr;
    fr.format = "jpeg";
    if (!cv::imencode(".jpg", m, fr.bytes, {cv::IMWRITE_JPEG_QUALITY, quality_})) {
      return make_error(ErrorCode::kInternal, "cannot encode a video frame as JPEG");
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "frame-%06zu.jpg", pos_++);
    fr.name = video_name_ + "/" + buf;
    return std::optional<SourceFrame>(std::move(fr));
  }

 private:
  std::vector<InputFile> files_;
  std::unique_ptr<cv::VideoCapture> video_;
  std::string video_name_;
  std::size_t pos_ = 0;
  int quality_ = 90;
};

}  // namespace

Result<CameraReport> run_camera(const CameraOptions& o) {
  SHROUD_RETURN_IF_ERROR(check_camera_id(o.camera));
  if (o.mode == CameraOptions::Mode::kOffload && !o.recipient) {
    return make_error(ErrorCode::kInvalidArgument, "offload needs the worker pool's recipient public key");
  }
  if (o.mode == CameraOptions::Mode::kProtect && o.engine == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "on-device protection needs an engine");
  }
  SHROUD_ASSIGN_OR_RETURN(FrameSource source, FrameSource::open(o));
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(frames_stream_spec()));
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(out_stream_spec()));
  const std::int64_t max_payload = nc.max_payload();

  CameraReport rep;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; o.max_frames <= 0 || i < o.max_frames; ++i) {
    if (o.cancelled && o.cancelled()) break;
    SHROUD_ASSIGN_OR_RETURN(std::optional<SourceFrame> fr, source.next());
    if (!fr) break;
    const std::int64_t index = o.first_index + i;
    if (o.fps > 0) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<std::int64_t>(1e6 * static_cast<double>(i) / o.fps)));
    }
    Headers h = {{kHeaderCamera, o.camera}, {kHeaderFrame, std::to_string(index)}, {kHeaderFormat, fr->format}};
    // File names can be personal: an offload frame does not show its name to the broker.
    if (o.mode != CameraOptions::Mode::kOffload) h.emplace_back(kHeaderName, fr->name);
    std::string subject = frames_subject(o.camera);
    std::vector<std::uint8_t> payload;
    if (o.mode == CameraOptions::Mode::kOffload) {
      SHROUD_ASSIGN_OR_RETURN(payload, seal_frame(fr->bytes, *o.recipient, o.camera, index, fr->format));
      h.emplace_back(kHeaderSealed, kSealedScheme);
      h.emplace_back(kHeaderKeyId, std::to_string(o.recipient->id));
    } else if (o.mode == CameraOptions::Mode::kProtect) {
      auto out = o.engine->protect_encoded(fr->bytes, fr->format, fr->name);
      if (out.ok()) {
        payload = std::move(out->image);
        subject = protected_subject(o.camera);
      } else {   // the frame is reported, not lost silently: a dead letter with the error
        payload = std::move(fr->bytes);
        subject = dead_subject(o.camera);
        h.emplace_back(kHeaderError, out.error().message.substr(0, 1000));
        ++rep.failed;
      }
    } else {
      payload = std::move(fr->bytes);
    }
    SHROUD_RETURN_IF_ERROR(check_payload_size(payload.size(), max_payload, "frame " + std::to_string(index) + " ('" + fr->name + "')"));
    const std::string id = subject == dead_subject(o.camera) ? dead_msg_id(o.camera, index) : frame_msg_id(o.camera, index);
    h.emplace_back(kHeaderSent, std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count()));
    SHROUD_ASSIGN_OR_RETURN(PublishResult pr, publish_with_retry(nc, subject, payload, h, id));
    ++rep.frames;
    if (pr.duplicate) ++rep.duplicates;
    rep.bytes += payload.size();
    if (o.on_frame) o.on_frame(index, fr->name, pr.duplicate);
  }
  return rep;
}

}  // namespace shroud::fleet
