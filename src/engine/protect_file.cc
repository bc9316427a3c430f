// Engine::protect_file: one image file to one file. The sidecar (when any) is written first and
// removed again if the image cannot be written, so there is never an image without its container.
#include <filesystem>

#include "engine/engine_impl.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/regions_json.h"

namespace shroud {

namespace {

// Writes the sidecar (when any) then the image; the sidecar is removed again if the image fails.
Status write_outputs(const std::string& output, const std::vector<std::uint8_t>& image,
                     const std::vector<std::uint8_t>& sidecar, const WriteOptions& wo) {
  const std::string side = sidecar_path(output);
  if (!sidecar.empty()) SHROUD_RETURN_IF_ERROR(write_file_atomic(side, sidecar, wo));
  Status s = write_file_atomic(output, image, wo);
  if (!s.ok() && !sidecar.empty()) {
    std::error_code ec;
    std::filesystem::remove(side, ec);
  }
  return s;
}

}  // namespace

// JPEG in and out: the coefficient path (docs/jpeg.md). kUnsupported when the pixel path must
// take the file (jpeg_path auto falls back to it).
Result<FileReport> Engine::Impl::protect_jpeg_to_file(const std::string& input, const std::string& output,
                                                      Detector& detector, bool overwrite) const {
  SHROUD_ASSIGN_OR_RETURN(auto file, read_file(input));
  if (sniff_format(file) != "jpeg") return make_error(ErrorCode::kUnsupported, "the content is not JPEG");
  JpegProtectOptions jo;
  jo.keep_metadata = options.keep_metadata;
  jo.keep_tags = options.keep_tags;
  jo.sidecar = options.sidecar || signer;   // signing: the container is embedded after its record
  jo.binding = options.detached ? CarrierBinding::kDetached : CarrierBinding::kPixels;
  if (seal) jo.placeholder = seal->placeholder;
  // Detection on a reduced-scale decode, as small as the detector allows (YuNet's tile pass
  // needs full resolution: a 1080p JPEG decoded at 960x540 hid its 24-32 px faces).
  const int wanted = detector.min_input_side();
  jo.detect_side = detector_spec.rfind("manual", 0) == 0 ? 0
                   : wanted >= 0                          ? wanted
                                                          : (options.detect_size > 0 ? options.detect_size : 640);
  jo.source = input;
  const KeySource source = seal ? seal->source() : KeySource{};
  SHROUD_ASSIGN_OR_RETURN(JpegProtected out, protect_jpeg_file(file, detector, policy, jo, seal ? &source : nullptr));
  if (signer && !out.sidecar.empty()) {
    SHROUD_ASSIGN_OR_RETURN(JpegInfo probed, probe_jpeg(out.file));
    nlohmann::json redaction = regions_to_json(input, cv::Size(probed.width, probed.height), out.regions);
    add_actions_json(redaction, out.actions);
    nlohmann::json in = {{"name", input}, {"file_blake2b", bytes_blake2b_hex(file)}};
    SHROUD_ASSIGN_OR_RETURN(auto payload, sign_image_payload(out.sidecar, out.file, std::move(in), redaction, "jpeg"));
    if (options.sidecar) {
      out.sidecar = std::move(payload);
    } else {
      SHROUD_ASSIGN_OR_RETURN(out.file, embed_container(out.file, payload));
      out.sidecar.clear();
    }
  }
  WriteOptions wo;
  wo.overwrite = options.overwrite || overwrite;
  SHROUD_RETURN_IF_ERROR(write_outputs(output, out.file, out.sidecar, wo));
  SHROUD_ASSIGN_OR_RETURN(JpegInfo info, probe_jpeg(out.file));
  FileReport rep;
  rep.input = input;
  rep.output = output;
  rep.record = regions_to_json(input, cv::Size(info.width, info.height), out.regions);
  rep.record["output"] = output;
  if (!out.sidecar.empty()) rep.record["sidecar"] = sidecar_path(output);
  add_actions_json(rep.record, out.actions);
  rep.record["jpeg"] = {{"path", "coefficients"}, {"boxes_grown_to_imcu", {info.imcu_width, info.imcu_height}},
                        {"byte_identical_recovery", out.byte_identical}};
  rep.regions = out.regions.size();
  rep.protected_count = out.actions.size();
  return rep;
}

Result<FileReport> Engine::Impl::protect_to_file(const std::string& input, const std::string& output,
                                                 Detector& detector, bool overwrite) const {
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(output));
  std::string jpeg_fallback;
  if (options.jpeg_path != "pixel" && format == "jpeg" && !scheme) {
    auto in_format = format_from_path(input);
    if (in_format.ok() && *in_format == "jpeg") {
      auto rep = protect_jpeg_to_file(input, output, detector, overwrite);
      if (rep.ok()) return rep;
      if (options.jpeg_path == "coeff" || rep.error().code != ErrorCode::kUnsupported) {
        return make_error(rep.error().code, "'" + input + "': " + rep.error().message);
      }
      jpeg_fallback = rep.error().message;
    }
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(input));
  SHROUD_ASSIGN_OR_RETURN(EncodedOutput out, protect_loaded(img, format, input, detector, options.sidecar));
  WriteOptions wo;
  wo.overwrite = options.overwrite || overwrite;
  const std::string side = sidecar_path(output);
  SHROUD_RETURN_IF_ERROR(write_outputs(output, out.image, out.sidecar, wo));
  FileReport rep;
  rep.input = input;
  rep.output = output;
  rep.record = std::move(out.report.record);
  rep.record["output"] = output;
  if (options.sidecar) rep.record["sidecar"] = side;
  if (!jpeg_fallback.empty()) rep.record["jpeg"] = {{"path", "pixels"}, {"reason", jpeg_fallback}};
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
