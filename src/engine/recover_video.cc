// Engine::recover_video: a protected video and its recovery track, every record verified, the
// output lossless (FFV1) and only renamed into place when everything verified.
#include "engine/engine_impl.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"

namespace shroud {

Result<VideoRecoverReport> Engine::recover_video(const std::string& input, const std::string& output,
                                                 const std::string& track) const {
  if (!is_video_path(output)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + output + "': give a video output (.mkv: lossless FFV1)");
  }
  SHROUD_ASSIGN_OR_RETURN(std::shared_ptr<const Keyset> key, impl_->recovery_keyset());
  const Keyset& keyset = *key;
  const std::string track_file = track.empty() ? track_path(input) : track;
  // Signed provenance: with trusted signers the track's record must verify first.
  std::vector<std::string> prov_warnings;
  std::string signed_by;
  if (!impl_->trusted_signers.empty()) {
    auto check = impl_->check_video(input, track_file);
    SHROUD_RETURN_IF_ERROR(impl_->enforce_provenance(check, input, &prov_warnings));
    if (check.ok() && check->is_signed) {
      signed_by = check->signer_id + (check->signer_name.empty() ? "" : " (" + check->signer_name + ")");
    }
  }
  VideoWriterOptions wo;
  wo.path = output;
  wo.overwrite = impl_->options.overwrite;
  auto rec = shroud::recover_video(input, track_file, keyset, wo);
  if (!rec.ok()) return make_error(rec.error().code, "'" + input + "': " + rec.error().message);
  VideoRecoverReport rep;
  rep.frames = rec->frames;
  rep.regions = rec->regions;
  rep.key_id = rec->key_id;
  rep.fps = rec->fps;
  rep.warnings = std::move(prov_warnings);
  rep.signed_by = signed_by;
  return rep;
}

}  // namespace shroud
