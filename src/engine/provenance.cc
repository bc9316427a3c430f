// Signed provenance in the engine (docs/provenance.md): building and signing records at protect
// time, checking them for verify_file() and recovery.
#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"
#include "engine/engine_impl.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

using nlohmann::json;

std::string hex(std::span<const std::uint8_t> b) { return crypto::to_hex(b); }

}  // namespace

Result<std::string> engine::file_blake2b_hex(const std::string& path, std::int64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read '" + path + "'");
  crypto::Blake2b h;
  std::vector<char> buf(1 << 16);
  std::int64_t left = limit;
  while (limit < 0 || left > 0) {
    const std::streamsize want = limit < 0 ? static_cast<std::streamsize>(buf.size())
                                           : static_cast<std::streamsize>(std::min<std::int64_t>(left, buf.size()));
    in.read(buf.data(), want);
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    h.update({reinterpret_cast<const std::uint8_t*>(buf.data()), static_cast<std::size_t>(got)});
    left -= got;
    if (got < want) break;
  }
  if (in.bad() || (limit >= 0 && left != 0)) return make_error(ErrorCode::kIo, "reading '" + path + "' failed");
  return hex(h.finish());
}

namespace {

std::string json_str(const json& j, const char* a, const char* b) {
  if (!j.contains(a) || !j[a].is_object() || !j[a].contains(b) || !j[a][b].is_string()) return "";
  return j[a][b].get<std::string>();
}

Error auth(const std::string& m) { return make_error(ErrorCode::kAuthentication, m); }

// Signature and trust: the record's signer must be trusted and the signature must verify.
Result<VerifyReport> checked_report(const ProvenanceRecord& r, std::span<const SignerPublicKey> trusted) {
  if (trusted.empty()) return make_error(ErrorCode::kInvalidArgument, "checking a signed file needs --trusted SIGNERS");
  SHROUD_ASSIGN_OR_RETURN(SignerPublicKey who, verify_provenance(r, trusted));
  VerifyReport rep;
  rep.is_signed = true;
  rep.signer_id = who.id;
  rep.signer_name = who.name;
  rep.record = r.json;
  rep.subject = r.json.value("subject", "");
  rep.time = r.json.value("time", "");
  return rep;
}

}  // namespace

json Engine::Impl::provenance_base(const std::string& subject) const {
  const std::string policy_text = policy_to_json(policy);
  json policy_doc = json::parse(policy_text, nullptr, false);
  json j;
  j["subject"] = subject;
  j["time"] = now_rfc3339();
  j["tool"] = "shroud";
  j["policy"] = {{"blake2b", bytes_blake2b_hex({reinterpret_cast<const std::uint8_t*>(policy_text.data()), policy_text.size()})},
                 {"document", policy_doc.is_discarded() ? json(policy_text) : policy_doc}};
  j["detector"] = {{"spec", detector_spec}};
  j["method"] = options.method;
  return j;
}

Result<std::vector<std::uint8_t>> Engine::Impl::sign_image_payload(std::span<const std::uint8_t> container,
                                                                   std::span<const std::uint8_t> carrier_file, json input,
                                                                   const json& redaction, const std::string& format) const {
  SHROUD_ASSIGN_OR_RETURN(LoadedImage carrier, decode_image(std::vector<std::uint8_t>(carrier_file.begin(), carrier_file.end())));
  return sign_image_payload(container, carrier.pixels, std::move(input), redaction, format);
}

Result<std::vector<std::uint8_t>> Engine::Impl::sign_image_payload(std::span<const std::uint8_t> container,
                                                                   const cv::Mat& carrier_pixels, json input,
                                                                   const json& redaction, const std::string& format) const {
  SHROUD_ASSIGN_OR_RETURN(Container c, parse_container(container));
  json j = provenance_base("image");
  j["input"] = std::move(input);
  j["output"] = {{"format", format},
                 {"width", carrier_pixels.cols},
                 {"height", carrier_pixels.rows},
                 {"channels", carrier_pixels.channels()},
                 {"depth_bits", carrier_pixels.depth() == CV_16U ? 16 : 8},
                 {"pixels_blake2b", pixels_blake2b_hex(carrier_pixels)}};
  j["payload"] = {{"scheme", c.header.scheme == PayloadScheme::kJpegCoefficients ? "seal-jpeg" : "seal"},
                  {"bytes", container.size()},
                  {"blake2b", bytes_blake2b_hex(container)},
                  {"key_mode", c.header.key_mode == KeyMode::kRecipient ? "recipient" : "symmetric"},
                  {"key_id", c.header.key_id},
                  {"binding", c.header.binding == CarrierBinding::kDetached ? "detached" : "pixels"},
                  {"regions", c.regions.size()}};
  j["redaction"] = redaction;
  SHROUD_ASSIGN_OR_RETURN(std::vector<std::uint8_t> out, sign_provenance(std::move(j), *signer));
  out.insert(out.end(), container.begin(), container.end());
  return out;
}

Result<VerifyReport> Engine::Impl::check_image(std::span<const std::uint8_t> file,
                                               const std::optional<std::vector<std::uint8_t>>& sidecar) const {
  SHROUD_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> payload, container_of(file, sidecar));
  SHROUD_ASSIGN_OR_RETURN(SignedPayload split, split_signed_payload(payload));
  if (!split.record) return VerifyReport{};
  SHROUD_ASSIGN_OR_RETURN(VerifyReport rep, checked_report(*split.record, trusted_signers));
  if (rep.subject != "image") return auth("the signed record is for a " + rep.subject + ", not an image");
  if (json_str(rep.record, "payload", "blake2b") != bytes_blake2b_hex(split.container)) {
    return auth("the container is not the one signer " + rep.signer_id + " signed (its digest differs from the record)");
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage carrier, decode_image(std::vector<std::uint8_t>(file.begin(), file.end())));
  if (json_str(rep.record, "output", "pixels_blake2b") != pixels_blake2b_hex(carrier.pixels)) {
    if (json_str(rep.record, "payload", "binding") != "detached") {
      return auth("the image is not the one signer " + rep.signer_id + " signed (its pixels differ from the record)");
    }
    rep.warnings.push_back("detached container: the image's pixels differ from those signed (re-encoded carrier)");
  }
  return rep;
}

Result<VerifyReport> Engine::Impl::check_video(const std::string& video, const std::string& track) const {
  std::ifstream in(track, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the recovery track '" + track + "'");
  SHROUD_ASSIGN_OR_RETURN(TrackScan scan, scan_track(in));
  if (scan.provenance.empty()) return VerifyReport{};
  SHROUD_ASSIGN_OR_RETURN(ProvenanceRecord r, parse_provenance(scan.provenance));
  SHROUD_ASSIGN_OR_RETURN(VerifyReport rep, checked_report(r, trusted_signers));
  if (rep.subject != "video") return auth("the signed record is for an " + rep.subject + ", not a video");
  std::error_code ec;
  const auto size = fs::file_size(track, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot size '" + track + "'");
  SHROUD_ASSIGN_OR_RETURN(std::string track_digest,
                          engine::file_blake2b_hex(track, static_cast<std::int64_t>(size - scan.provenance.size())));
  if (json_str(rep.record, "payload", "blake2b") != track_digest) {
    return auth("the recovery track is not the one signer " + rep.signer_id + " signed (its digest differs from the record)");
  }
  SHROUD_ASSIGN_OR_RETURN(std::string video_digest, engine::file_blake2b_hex(video));
  if (json_str(rep.record, "output", "file_blake2b") != video_digest) {
    return auth("the video is not the one signer " + rep.signer_id + " signed (its file digest differs from the record)");
  }
  return rep;
}

Status Engine::Impl::enforce_provenance(const Result<VerifyReport>& check, const std::string& name,
                                        std::vector<std::string>* warnings) const {
  if (!check.ok()) {
    if (check.error().code == ErrorCode::kPermission && options.allow_unsigned) {
      warnings->push_back("'" + name + "': " + check.error().message + "; accepted (--allow-unsigned)");
      return ok_status();
    }
    return make_error(check.error().code, "'" + name + "': " + check.error().message);
  }
  if (!check->is_signed) {
    if (options.allow_unsigned) {
      warnings->push_back("'" + name + "' is not signed; accepted (--allow-unsigned)");
      return ok_status();
    }
    return make_error(ErrorCode::kNotFound, "'" + name + "' is not signed (no provenance record): refused because "
                                            "--trusted/--require-signed need signed files (--allow-unsigned accepts them)");
  }
  for (const auto& w : check->warnings) warnings->push_back("'" + name + "': " + w);
  return ok_status();
}

Result<VerifyReport> Engine::verify_file(const std::string& input, const std::string& sidecar_file,
                                         const std::string& track) const {
  const Impl& im = *impl_;
  if (im.trusted_signers.empty()) return make_error(ErrorCode::kInvalidArgument, "verify needs --trusted SIGNERS");
  Result<VerifyReport> rep = make_error(ErrorCode::kInternal, "unreachable");
  if (is_video_path(input) || !track.empty()) {
    if (!sidecar_file.empty()) return make_error(ErrorCode::kInvalidArgument, "--sidecar applies to images; a video takes --track");
    rep = im.check_video(input, track.empty() ? track_path(input) : track);
  } else {
    SHROUD_ASSIGN_OR_RETURN(auto file, read_file(input));
    std::optional<std::vector<std::uint8_t>> sidecar;
    if (!sidecar_file.empty()) {
      SHROUD_ASSIGN_OR_RETURN(sidecar, read_file(sidecar_file, ContainerLimits{}.max_bytes));
    }
    rep = im.check_image(file, sidecar);
  }
  if (!rep.ok()) return make_error(rep.error().code, "'" + input + "': " + rep.error().message);
  if (!rep->is_signed) return make_error(ErrorCode::kNotFound, "'" + input + "' is not signed (no provenance record)");
  return rep;
}

}  // namespace shroud
