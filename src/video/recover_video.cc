// recover_video: decode the protected video, restore every frame from the recovery track, and
// write a lossless video; the output only appears once every record has verified.
#include <filesystem>

#include "shroud/recovery_track.h"

namespace shroud {

Result<VideoRecoverSummary> recover_video(const std::string& video, const std::string& track, const Keyset& keyset,
                                          VideoWriterOptions writer_options) {
  {
    std::error_code ec;
    namespace fs = std::filesystem;
    for (const std::string* in : {&video, &track}) {
      if (fs::exists(writer_options.path, ec) && fs::exists(*in, ec) && fs::equivalent(writer_options.path, *in, ec)) {
        return make_error(ErrorCode::kInvalidArgument, "output '" + writer_options.path + "' is an input");
      }
    }
  }
  SHROUD_ASSIGN_OR_RETURN(auto tr, RecoveryTrackReader::open(track, keyset));
  SHROUD_ASSIGN_OR_RETURN(auto reader, VideoReader::open(video));
  const VideoInfo& vi = reader->info();
  const TrackInfo& ti = tr->info();
  if (vi.size.width != static_cast<int>(ti.width) || vi.size.height != static_cast<int>(ti.height)) {
    return make_error(ErrorCode::kAuthentication, "the recovery track belongs to a video of size " + std::to_string(ti.width) +
                                                      "x" + std::to_string(ti.height));
  }
  writer_options.size = vi.size;
  writer_options.fps = vi.fps > 0 ? vi.fps : 25.0;
  writer_options.codec = "ffv1";
  if (writer_options.audio_from.empty() && !vi.live) writer_options.audio_from = video;
  SHROUD_ASSIGN_OR_RETURN(auto writer, VideoWriter::open(writer_options));
  for (;;) {
    SHROUD_ASSIGN_OR_RETURN(cv::Mat frame, reader->read());
    if (frame.empty()) break;
    SHROUD_RETURN_IF_ERROR(tr->restore_next(frame));
    SHROUD_RETURN_IF_ERROR(writer->write(frame));
  }
  SHROUD_RETURN_IF_ERROR(tr->finish());
  SHROUD_RETURN_IF_ERROR(writer->finish());
  VideoRecoverSummary s;
  s.frames = tr->frames();
  s.regions = tr->regions();
  s.key_id = ti.key_id;
  s.fps = writer_options.fps;
  return s;
}

}  // namespace shroud
