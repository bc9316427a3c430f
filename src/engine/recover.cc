// Engine::recover_encoded / recover_file: a sealed image (shroud-v1 container) or a paper-scheme
// record (shroud-scheme-v1): verify everything, then restore. Any failure: error, no output.
#include "engine/engine_impl.h"
#include "shroud/jpeg_coeff.h"

namespace shroud {
namespace {

// A scheme record (from a paper-scheme method): verify and invert.
Result<RecoverReport> recover_scheme(const EngineOptions& o, const std::string& name, const std::string& format,
                                     std::span<const std::uint8_t> file, const std::vector<std::uint8_t>& record,
                                     const RecoverSelection& selection) {
  if (!selection.regions.empty() || !selection.kinds.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--region/--kind apply to sealed images; a scheme record is recovered whole");
  }
  auto key = engine::load_scheme_key_file(o.key);
  if (!key.ok()) {
    if (key.error().code == ErrorCode::kCorrupt || key.error().code == ErrorCode::kInvalidArgument) {
      return make_error(ErrorCode::kInvalidArgument, "'" + name + "' holds a paper-scheme record; --key must be its scheme key file: " +
                                                         key.error().message);
    }
    return key.error();
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage carrier, decode_image(std::vector<std::uint8_t>(file.begin(), file.end())));
  auto rec = schemes::scheme_recover(carrier.pixels, record, *key);
  if (!rec.ok()) return make_error(rec.error().code, "'" + name + "': " + rec.error().message);
  RecoverReport rep;
  if (format == "jpeg") rep.warnings.push_back("writing the recovered image as JPEG loses the bit-exact original; prefer .png");
  if (rec->unrecoverable > 0) {
    rep.warnings.push_back(std::to_string(rec->unrecoverable) +
                           " region(s) were blurred by sisa-paper and cannot be restored (use --method sisa for recoverable blur)");
  }
  SHROUD_ASSIGN_OR_RETURN(rep.image, encode_image(rec->image, format));
  rep.size = rec->image.size();
  rep.scheme = schemes::scheme_method_name(key->method);
  rep.unrecoverable = rec->unrecoverable;
  return rep;
}

}  // namespace

Result<RecoverReport> Engine::recover_encoded(std::span<const std::uint8_t> file,
                                              const std::optional<std::vector<std::uint8_t>>& sidecar,
                                              const std::string& format, const RecoverSelection& selection,
                                              const std::string& name) const {
  const EngineOptions& o = impl_->options;
  auto embedded = extract_container(file);
  const bool has_embedded = embedded.ok() && embedded->has_value();
  // Signed provenance first (docs/provenance.md): with trusted signers the record must verify
  // (unsigned and unknown signers only with allow_unsigned); without, a record is only noted.
  std::vector<std::string> prov_warnings;
  std::string signed_by;
  if (!impl_->trusted_signers.empty()) {
    auto check = impl_->check_image(file, sidecar);
    SHROUD_RETURN_IF_ERROR(impl_->enforce_provenance(check, name, &prov_warnings));
    if (check.ok() && check->is_signed) {
      signed_by = check->signer_id + (check->signer_name.empty() ? "" : " (" + check->signer_name + ")");
    }
  } else if ((sidecar && is_provenance_record(*sidecar)) || (has_embedded && is_provenance_record(**embedded))) {
    prov_warnings.push_back("'" + name + "' carries a signed provenance record that was not checked (give --trusted SIGNERS)");
  }
  auto with_provenance = [&](Result<RecoverReport> r) -> Result<RecoverReport> {
    if (!r.ok()) return r;
    r->warnings.insert(r->warnings.begin(), prov_warnings.begin(), prov_warnings.end());
    r->signed_by = signed_by;
    return r;
  };
  // Dispatch: a paper-scheme record goes to recover_scheme, anything else to the seal (which
  // reports malformed carriers itself).
  if ((sidecar && schemes::is_scheme_record(*sidecar)) || (has_embedded && schemes::is_scheme_record(**embedded))) {
    if (sidecar && has_embedded) {
      return make_error(ErrorCode::kCorrupt, "the image holds a container and a sidecar was given: refusing two containers");
    }
    return with_provenance(recover_scheme(o, name, format, file, sidecar ? *sidecar : **embedded, selection));
  }
  RecoverOptions ro;
  ro.regions = selection.regions;
  for (const auto& k : selection.kinds) {
    SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k));
    ro.kinds.push_back(kind);
  }
  SHROUD_ASSIGN_OR_RETURN(std::shared_ptr<const Keyset> key, impl_->recovery_keyset());
  const Keyset& keyset = *key;
  if (is_jpeg_coefficient_seal(file, sidecar)) {
    // Sealed in the JPEG coefficient path (docs/jpeg.md): the original coefficients come back.
    auto jrec = recover_jpeg(file, sidecar, keyset, ro);
    if (!jrec.ok()) return make_error(jrec.error().code, "'" + name + "': " + jrec.error().message);
    RecoverReport rep;
    rep.scheme = "seal-jpeg";
    SHROUD_ASSIGN_OR_RETURN(JpegInfo info, probe_jpeg(jrec->file));
    rep.size = cv::Size(info.width, info.height);
    if (format == "jpeg") {
      rep.image = std::move(jrec->file);
      rep.byte_identical = jrec->byte_identical;
    } else {  // e.g. .png: the decoded original pixels
      SHROUD_ASSIGN_OR_RETURN(LoadedImage px, decode_image(jrec->file));
      SHROUD_ASSIGN_OR_RETURN(rep.image, encode_image(px.pixels, format));
    }
    rep.restored = jrec->restored.size();
    rep.region_count = jrec->region_count;
    rep.key_id = jrec->key_id;
    return with_provenance(std::move(rep));
  }
  auto rec = recover_image_file(file, sidecar, keyset, ro);
  if (!rec.ok()) return make_error(rec.error().code, "'" + name + "': " + rec.error().message);
  RecoverReport rep;
  if (format == "jpeg") rep.warnings.push_back("writing the recovered image as JPEG loses the bit-exact originals; prefer .png");
  if (rec->binding == CarrierBinding::kDetached) {
    rep.warnings.push_back("container is detached: the restored regions are authentic, the rest of the image is not bound to them");
  }
  SHROUD_ASSIGN_OR_RETURN(rep.image, encode_image(rec->image, format));
  rep.size = rec->image.size();
  rep.scheme = "seal";
  rep.restored = rec->restored.size();
  rep.region_count = rec->region_count;
  rep.key_id = rec->key_id;
  return with_provenance(std::move(rep));
}

Result<RecoverReport> Engine::recover_file(const std::string& input, const std::string& output,
                                           const std::string& sidecar_file, const RecoverSelection& selection) const {
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(output));
  SHROUD_ASSIGN_OR_RETURN(auto file, read_file(input));
  std::optional<std::vector<std::uint8_t>> sidecar;
  if (!sidecar_file.empty()) {
    SHROUD_ASSIGN_OR_RETURN(sidecar, read_file(sidecar_file, ContainerLimits{}.max_bytes));
  }
  SHROUD_ASSIGN_OR_RETURN(RecoverReport rep, recover_encoded(file, sidecar, format, selection, input));
  WriteOptions wo;
  wo.overwrite = impl_->options.overwrite;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(output, rep.image, wo));
  return rep;
}

Status Engine::recover_frame(cv::Mat& image, std::span<const std::uint8_t> container,
                             const RecoverSelection& selection) const {
  if (impl_->memory_keys.recipient || (impl_->options.key.empty() && !impl_->memory_keys.keyset)) {
    return make_error(ErrorCode::kInvalidArgument, "recovery needs a keyset (a recipient public key cannot open anything)");
  }
  SHROUD_ASSIGN_OR_RETURN(std::shared_ptr<const Keyset> keyset, impl_->recovery_keyset());
  RecoverOptions ro;
  ro.regions = selection.regions;
  for (const auto& k : selection.kinds) {
    SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k));
    ro.kinds.push_back(kind);
  }
  SHROUD_ASSIGN_OR_RETURN(RecoveredImage rec, recover_regions(image, container, *keyset, ro));
  if (rec.image.size() != image.size() || rec.image.type() != image.type()) {
    return make_error(ErrorCode::kInternal, "recovered image does not match the frame");
  }
  rec.image.copyTo(image);  // same size and type: written into the caller's buffer
  return ok_status();
}

}  // namespace shroud
