// Engine::protect_video: a video file, URL, stdin or camera. Seal: the recovery track is written
// beside the output and renamed into place after it; never a sealed video without its track.
#include <filesystem>

#include "crypto/crypto.h"
#include "engine/engine_impl.h"
#include "shroud/recovery_track.h"
#include "shroud/video.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

bool is_stream_source(const std::string& s) { return s == "-" || s.find("://") != std::string::npos; }

}  // namespace

Result<VideoReport> Engine::protect_video(const std::string& input, const std::string& output,
                                          const JobControl& control) const {
  const Impl& im = *impl_;
  const EngineOptions& o = im.options;
  if (im.scheme) {
    return make_error(ErrorCode::kUnsupported, "--method " + im.scheme->choice.name + " is for still images");
  }
  const std::string source = !o.camera.empty() ? o.camera : (input == "-" ? std::string("pipe:0") : input);
  if (output.empty()) return make_error(ErrorCode::kInvalidArgument, "give -o OUTPUT.mp4 for video");
  if (!o.camera.empty() || input != "-") {
    std::error_code ec;
    if (o.camera.empty() && !is_stream_source(source) && fs::exists(output, ec) && fs::exists(source, ec) &&
        fs::equivalent(output, source, ec)) {
      return make_error(ErrorCode::kInvalidArgument, "output '" + output + "' is the input");
    }
  }
  // Seal: the recovery track, written beside the output and renamed into place after it.
  std::unique_ptr<RecoveryTrackWriter> track;
  const std::string track_file = o.track.empty() ? track_path(output) : o.track;
  if (im.seal) {
    if ((o.detached || o.sidecar) && control.on_warning) {
      control.on_warning("--sidecar/--detached: a video's recovery track is always a separate, geometry-bound file");
    }
    std::error_code ec;
    if (fs::absolute(track_file, ec) == fs::absolute(output, ec) ||
        (o.camera.empty() && fs::exists(track_file, ec) && fs::exists(source, ec) && fs::equivalent(track_file, source, ec))) {
      return make_error(ErrorCode::kInvalidArgument, "--track '" + track_file + "' is the input or the output");
    }
    TrackWriterOptions to;
    to.placeholder = im.seal->placeholder;
    to.overwrite = o.overwrite;
    to.format_version = o.track_format;
    SHROUD_ASSIGN_OR_RETURN(track, RecoveryTrackWriter::create(track_file, im.seal->source(), to));
  }
  VideoProtectOptions vo;
  vo.detect_every = o.detect_every;
  vo.extend_back = o.extend_back;
  vo.max_buffer_bytes = o.max_buffer_mb << 20;
  vo.tracker.hold_frames = o.hold;
  vo.drop_audio = o.drop_audio;
  vo.max_frames = o.max_frames;
  vo.detect_workers = o.jobs;
  vo.writer.path = output;
  vo.writer.crf = o.crf;
  vo.writer.preset = o.preset;
  vo.writer.codec = o.codec;
  vo.writer.overwrite = o.overwrite;
  vo.on_frame = control.on_frame;
  vo.on_progress = control.on_progress;
  vo.cancelled = control.cancelled;
  // Detectors: the pooled ones first (already loaded), then new ones; the pipeline owns them.
  DetectorFactory factory = [&im]() -> Result<std::unique_ptr<Detector>> {
    {
      std::lock_guard<std::mutex> lock(im.pool_mutex);
      if (!im.pool.empty()) {
        auto d = std::move(im.pool.back());
        im.pool.pop_back();
        return d;
      }
    }
    return im.new_detector();
  };
  auto summary = shroud::protect_video(source, factory, im.policy, vo, track.get());
  if (summary.ok() && track && im.signer) {
    // Signed provenance: a record after the track's final record, over the track and the video.
    Status s = ok_status();
    nlohmann::json j = im.provenance_base("video");
    nlohmann::json in = {{"name", o.camera.empty() ? input : "camera:" + o.camera}};
    std::error_code ec;
    if (o.camera.empty() && !is_stream_source(source) && fs::is_regular_file(source, ec)) {
      auto d = engine::file_blake2b_hex(source);
      if (d.ok()) in["file_blake2b"] = *d;
    }
    j["input"] = in;
    auto out_digest = engine::file_blake2b_hex(output);
    if (!out_digest.ok()) s = out_digest.error();
    if (s.ok()) {
      j["output"] = {{"name", output}, {"file_blake2b", *out_digest}, {"frames", summary->frames}};
      const auto d = track->digest();
      j["payload"] = {{"scheme", "recovery-track"}, {"bytes", track->bytes()}, {"blake2b", crypto::to_hex(d)},
                      {"frames", track->frames()}, {"regions", track->sealed_regions()}};
      j["redaction"] = {{"frames", summary->frames}, {"regions", summary->regions}, {"tracks", summary->tracks},
                        {"sealed_regions", track->sealed_regions()}};
      auto rec = sign_provenance(std::move(j), *im.signer);
      s = rec.ok() ? track->append_provenance(*rec) : Status(rec.error());
    }
    if (!s.ok()) {
      fs::remove(output, ec);  // never a sealed video without its (signed) recovery track
      summary = s.error();
    }
  }
  if (summary.ok() && track) {
    Status s = track->commit();
    if (!s.ok()) {
      std::error_code ec;
      fs::remove(output, ec);  // never a sealed video without its recovery track
      summary = s.error();
    }
  }
  if (!summary.ok()) return summary.error();
  VideoReport rep;
  rep.frames = summary->frames;
  rep.detected_frames = summary->detected_frames;
  rep.regions = summary->regions;
  rep.tracks = summary->tracks;
  rep.audio_streams = summary->audio_streams;
  rep.fps = summary->fps;
  rep.seconds = summary->seconds;
  rep.timings = summary->timings;
  rep.output = output;
  if (track) {
    rep.track = track_file;
    rep.track_frames = track->frames();
    rep.track_bytes = track->bytes();
    rep.sealed_regions = track->sealed_regions();
  }
  return rep;
}

}  // namespace shroud
