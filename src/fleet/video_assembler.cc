#include "fleet/video_assembler.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <map>

#include "shroud/container.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"

namespace fs = std::filesystem;

namespace shroud::fleet {
namespace {

// 8-bit BGR, as VideoWriter and the track take (cameras publish 8-bit JPEG/PNG).
Result<cv::Mat> to_bgr8(const cv::Mat& m) {
  if (m.depth() != CV_8U) return make_error(ErrorCode::kUnsupported, "not an 8-bit frame");
  cv::Mat out;
  if (m.channels() == 3) return m;
  if (m.channels() == 1) cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
  else if (m.channels() == 4) cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
  else return make_error(ErrorCode::kUnsupported, "frame with " + std::to_string(m.channels()) + " channels");
  return out;
}

Result<cv::Mat> decode_bgr8(const std::vector<std::uint8_t>& bytes) {
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, decode_image(bytes));
  return to_bgr8(img.pixels);
}

}  // namespace

struct VideoAssembler::Impl {
  VideoCollectOptions o;
  std::optional<Engine> recover_engine;
  std::unique_ptr<RecoveryTrackWriter> track;
  std::unique_ptr<VideoWriter> writer;
  VideoCollectReport rep;
  std::map<std::int64_t, std::optional<std::vector<std::uint8_t>>> held;   // nullopt: will not come
  std::int64_t next = 0;
  cv::Size size;
  cv::Mat prev_frame;                 // last video frame written
  cv::Mat prev_source;                // with a track: the last recovered frame, before the placeholder
  std::vector<Action> prev_actions;

  // The frame to write and what to seal in it; errors here make the frame a gap.
  struct Prepared {
    cv::Mat frame;
    std::vector<Action> actions;
    bool sealed = false;
  };

  Result<Prepared> prepare(const std::vector<std::uint8_t>& bytes) {
    Prepared p;
    SHROUD_ASSIGN_OR_RETURN(p.frame, decode_bgr8(bytes));
    if (!size.empty() && p.frame.size() != size) {
      return make_error(ErrorCode::kUnsupported, "frame size " + std::to_string(p.frame.cols) + "x" +
                                                     std::to_string(p.frame.rows) + " differs from the video's " +
                                                     std::to_string(size.width) + "x" + std::to_string(size.height));
    }
    SHROUD_ASSIGN_OR_RETURN(auto container, extract_container(bytes));
    if (!container) return p;
    p.sealed = true;
    if (!recover_engine) return p;   // no key: the protected frame as it is, no track
    // BMP: lossless and uncompressed, the cheapest round trip back to pixels.
    SHROUD_ASSIGN_OR_RETURN(RecoverReport rec, recover_engine->recover_encoded(bytes, std::nullopt, "bmp"));
    SHROUD_ASSIGN_OR_RETURN(cv::Mat original, decode_bgr8(rec.image));
    if (original.size() != p.frame.size()) return make_error(ErrorCode::kCorrupt, "recovered frame has another size");
    SHROUD_ASSIGN_OR_RETURN(Container c, parse_container(*container));
    // Every pixel where the original differs from the protected frame must be inside a sealed
    // rectangle (or it would show in the video): the container's rectangles, plus the bounding
    // box of any difference outside them (JPEG-coefficient seals restore whole 8x8 blocks).
    cv::Mat any = cv::Mat::zeros(p.frame.size(), CV_8U);
    {
      cv::Mat diff;
      std::vector<cv::Mat> planes;
      cv::absdiff(original, p.frame, diff);
      cv::split(diff, planes);
      for (const auto& pl : planes) any |= (pl != 0);
    }
    const cv::Rect bounds(0, 0, p.frame.cols, p.frame.rows);
    for (const ContainerRegion& r : c.regions) {
      const cv::Rect rect = cv::Rect(static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.width),
                                     static_cast<int>(r.height)) & bounds;
      if (rect.empty()) continue;
      Action a;
      a.region.kind = r.kind;
      a.rect = rect;
      a.method = "seal";
      p.actions.push_back(a);
      any(rect).setTo(0);
    }
    if (cv::countNonZero(any) > 0) {
      Action a;
      a.rect = cv::boundingRect(any);
      a.method = "seal";
      p.actions.push_back(a);
    }
    p.frame = original;
    return p;
  }

  Status write(cv::Mat frame, const std::vector<Action>& actions) {
    if (!writer) {
      VideoWriterOptions wo;
      wo.path = o.path;
      wo.size = frame.size();
      wo.fps = o.fps;
      wo.codec = o.codec;
      wo.crf = o.crf;
      wo.preset = o.preset;
      wo.overwrite = o.overwrite;
      SHROUD_ASSIGN_OR_RETURN(writer, VideoWriter::open(wo));
      size = frame.size();
    }
    if (track) {
      prev_source = frame.clone();
      prev_actions = actions;
      SHROUD_RETURN_IF_ERROR(track->protect(frame, rep.frames, actions));
      rep.sealed_regions += actions.size();
    }
    SHROUD_RETURN_IF_ERROR(writer->write(frame));
    prev_frame = frame;
    ++rep.frames;
    return ok_status();
  }

  Status gap(std::int64_t index) {
    if (!writer) {
      rep.skipped.push_back(index);
      return ok_status();
    }
    rep.repeated.push_back(index);
    const std::vector<Action> actions = prev_actions;   // with a track: the previous frame sealed again
    return write(track ? prev_source.clone() : prev_frame, actions);
  }

  Status emit(std::int64_t index, const std::optional<std::vector<std::uint8_t>>& bytes) {
    if (!bytes) return gap(index);
    auto p = prepare(*bytes);
    if (!p.ok()) {
      rep.unusable.push_back({index, p.error().message});
      return gap(index);
    }
    if (p->sealed) {
      ++rep.sealed_frames;
      if (!recover_engine) rep.sealed_without_key = true;
    }
    return write(std::move(p->frame), p->actions);
  }

  // Writes frames while the next index is held; declares it missing while more than the window
  // wait (or, with `all`, while anything waits).
  Status drain(bool all) {
    for (;;) {
      if (!held.empty() && held.begin()->first == next) {
        auto node = held.extract(held.begin());
        SHROUD_RETURN_IF_ERROR(emit(next++, node.mapped()));
      } else if (!held.empty() && (all || static_cast<std::int64_t>(held.size()) > o.reorder_window)) {
        SHROUD_RETURN_IF_ERROR(gap(next++));
      } else {
        return ok_status();
      }
    }
  }

  Status hold(std::int64_t index, std::optional<std::vector<std::uint8_t>> bytes) {
    if (index < next) {
      rep.late.push_back(index);
      return ok_status();
    }
    if (index - next > o.max_gap) {
      rep.unusable.push_back({index, "frame index " + std::to_string(index) + " is more than " + std::to_string(o.max_gap) +
                                         " frames after the next expected frame " + std::to_string(next) +
                                         " (raise --max-gap)"});
      return ok_status();
    }
    held.emplace(index, std::move(bytes));
    rep.max_buffered = std::max(rep.max_buffered, static_cast<std::int64_t>(held.size()));
    return drain(false);
  }
};

VideoAssembler::VideoAssembler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoAssembler::~VideoAssembler() = default;

Result<std::unique_ptr<VideoAssembler>> VideoAssembler::create(const VideoCollectOptions& o) {
  if (!is_video_path(o.path)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + o.path + "': not a video file name (.mkv, .mp4, .avi ...)");
  }
  if (o.reorder_window < 1 || o.reorder_window > 100000) {
    return make_error(ErrorCode::kInvalidArgument, "reorder window must be 1..100000 frames");
  }
  if (!(o.fps > 0 && o.fps <= 1000)) return make_error(ErrorCode::kInvalidArgument, "fps must be in (0, 1000]");
  if (o.max_gap < 1 || o.max_gap > 10000000) return make_error(ErrorCode::kInvalidArgument, "max gap must be 1..10000000 frames");
  if (o.track_recipient && !o.keyset) {
    return make_error(ErrorCode::kInvalidArgument, "a track recipient needs the keyset that opens the frames");
  }
  SHROUD_RETURN_IF_ERROR(check_write_target(o.path, o.overwrite));
  auto impl = std::make_unique<Impl>();
  impl->o = o;
  impl->rep.video = o.path;
  if (o.keyset) {
    EngineOptions eo;
    eo.mode = EngineOptions::Mode::kRecover;
    eo.jobs = 1;
    EngineKeys keys;
    keys.keyset = o.keyset;
    SHROUD_ASSIGN_OR_RETURN(Engine e, Engine::create(eo, keys));
    impl->recover_engine.emplace(std::move(e));
    const std::string track_file = o.track.empty() ? track_path(o.path) : o.track;
    std::error_code ec;
    if (fs::absolute(track_file, ec) == fs::absolute(o.path, ec)) {
      return make_error(ErrorCode::kInvalidArgument, "the track '" + track_file + "' is the video");
    }
    KeySource ks;
    if (o.track_recipient) {
      ks.recipient = &*impl->o.track_recipient;
    } else {
      ks.keyset = impl->o.keyset.get();
    }
    TrackWriterOptions to;
    to.overwrite = o.overwrite;
    SHROUD_ASSIGN_OR_RETURN(impl->track, RecoveryTrackWriter::create(track_file, ks, to));
    impl->rep.track = track_file;
  }
  return std::unique_ptr<VideoAssembler>(new VideoAssembler(std::move(impl)));
}

Status VideoAssembler::add(std::int64_t index, std::vector<std::uint8_t> bytes) {
  return impl_->hold(index, std::move(bytes));
}

Status VideoAssembler::missing(std::int64_t index) { return impl_->hold(index, std::nullopt); }

Result<VideoCollectReport> VideoAssembler::finish(std::int64_t end) {
  Impl& p = *impl_;
  SHROUD_RETURN_IF_ERROR(p.drain(true));
  while (p.next < end) SHROUD_RETURN_IF_ERROR(p.gap(p.next++));
  if (!p.writer) {
    return make_error(ErrorCode::kNotFound, "no usable frame arrived: no video written");
  }
  if (p.track) SHROUD_RETURN_IF_ERROR(p.track->finish());
  SHROUD_RETURN_IF_ERROR(p.writer->finish());
  if (p.track) {
    if (Status s = p.track->commit(); !s.ok()) {
      std::error_code ec;
      fs::remove(p.o.path, ec);   // never a sealed video without its recovery track
      return s.error();
    }
  }
  return p.rep;
}

}  // namespace shroud::fleet
