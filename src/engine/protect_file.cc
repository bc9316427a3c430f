// Engine::protect_file: one image file to one file. The sidecar (when any) is written first and
// removed again if the image cannot be written, so there is never an image without its container.
#include <filesystem>

#include "engine/engine_impl.h"

namespace shroud {

Result<FileReport> Engine::Impl::protect_to_file(const std::string& input, const std::string& output,
                                                 Detector& detector, bool overwrite) const {
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(output));
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(input));
  SHROUD_ASSIGN_OR_RETURN(EncodedOutput out, protect_loaded(img, format, input, detector));
  WriteOptions wo;
  wo.overwrite = options.overwrite || overwrite;
  const std::string side = sidecar_path(output);
  if (!out.sidecar.empty()) SHROUD_RETURN_IF_ERROR(write_file_atomic(side, out.sidecar, wo));
  Status s = write_file_atomic(output, out.image, wo);
  if (!s.ok()) {
    if (!out.sidecar.empty()) {
      std::error_code ec;
      std::filesystem::remove(side, ec);
    }
    return s.error();
  }
  FileReport rep;
  rep.input = input;
  rep.output = output;
  rep.record = std::move(out.report.record);
  rep.record["output"] = output;
  if (options.sidecar) rep.record["sidecar"] = side;
  rep.regions = out.report.regions.size();
  rep.protected_count = out.report.actions.size();
  return rep;
}

Result<FileReport> Engine::protect_file(const std::string& input, const std::string& output) const {
  if (scheme()) {
    SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(output));
    SHROUD_RETURN_IF_ERROR(engine::check_scheme_output(impl_->scheme->choice, format, impl_->options.sidecar));
  }
  if (engine::same_file(input, output) && !impl_->options.overwrite) {
    return make_error(ErrorCode::kInvalidArgument, "output '" + output + "' is the input; use --in-place to replace inputs");
  }
  SHROUD_ASSIGN_OR_RETURN(auto det, impl_->borrow());
  return impl_->protect_to_file(input, output, *det);
}

}  // namespace shroud
