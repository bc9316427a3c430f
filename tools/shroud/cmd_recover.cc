// shroud recover IN -o OUT --key KEYSET [--region N]... [--kind K]... [--sidecar FILE]
// shroud recover VIDEO -o REC.mkv --key KEYSET [--track FILE]
//
// Verifies the container (manifest, carrier, every region tag) and only then writes OUT with
// the selected regions restored bit-exactly. Any failure: error, non-zero exit, no OUT.
#include <spdlog/spdlog.h>

#include "commands.h"
#include "scheme_cli.h"
#include "shroud/image_io.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/keys.h"
#include "shroud/recovery_track.h"
#include "shroud/schemes/scheme_file.h"
#include "shroud/seal.h"

namespace shroud::cli {
namespace {

struct Opts {
  std::string input;
  std::string output;
  std::string key;
  std::vector<std::uint32_t> regions;
  std::vector<std::string> kinds;
  std::string sidecar;
  std::string track;
  bool force = false;
};

// A protected video and its recovery track: every record verified, output lossless (FFV1).
Status run_video(const Opts& o) {
  if (!o.sidecar.empty() || !o.regions.empty() || !o.kinds.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--sidecar/--region/--kind apply to images; a video takes --track");
  }
  if (!is_video_path(o.output)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + o.output + "': give a video output (.mkv: lossless FFV1)");
  }
  SHROUD_ASSIGN_OR_RETURN(Keyset keyset, load_keyset(o.key));
  const std::string track = o.track.empty() ? track_path(o.input) : o.track;
  VideoWriterOptions wo;
  wo.path = o.output;
  wo.overwrite = o.force;
  auto rec = recover_video(o.input, track, keyset, wo);
  if (!rec.ok()) return make_error(rec.error().code, "'" + o.input + "': " + rec.error().message);
  spdlog::info("restored {} region(s) in {} frames with key {}; wrote {} (FFV1, {:.3g} fps)", rec->regions, rec->frames,
               rec->key_id, o.output, rec->fps);
  return ok_status();
}

// A scheme record (shroud-scheme-v1, from `protect --method <paper scheme>`): verify and invert.
Status recover_scheme(const Opts& o, const std::string& format, const std::vector<std::uint8_t>& file,
                      const std::vector<std::uint8_t>& record) {
  if (!o.regions.empty() || !o.kinds.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--region/--kind apply to sealed images; a scheme record is recovered whole");
  }
  auto key = load_scheme_key_file(o.key);
  if (!key.ok()) {
    if (key.error().code == ErrorCode::kCorrupt || key.error().code == ErrorCode::kInvalidArgument) {
      return make_error(ErrorCode::kInvalidArgument, "'" + o.input + "' holds a paper-scheme record; --key must be its scheme key file: " +
                                                         key.error().message);
    }
    return key.error();
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage carrier, decode_image(file));
  auto rec = schemes::scheme_recover(carrier.pixels, record, *key);
  if (!rec.ok()) return make_error(rec.error().code, "'" + o.input + "': " + rec.error().message);
  if (format == "jpeg") {
    spdlog::warn("writing the recovered image as JPEG loses the bit-exact original; prefer .png");
  }
  if (rec->unrecoverable > 0) {
    spdlog::warn("{} region(s) were blurred by sisa-paper and cannot be restored (use --method sisa for recoverable blur)",
                 rec->unrecoverable);
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(rec->image, format));
  WriteOptions wo;
  wo.overwrite = o.force;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(o.output, bytes, wo));
  spdlog::info("recovered {} image ({}x{}); wrote {}", schemes::scheme_method_name(key->method), rec->image.cols,
               rec->image.rows, o.output);
  return ok_status();
}

Status run(const Opts& o) {
  if (is_video_path(o.input) || !o.track.empty()) return run_video(o);
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(o.output));
  SHROUD_ASSIGN_OR_RETURN(auto file, read_file(o.input));
  std::optional<std::vector<std::uint8_t>> sidecar;
  if (!o.sidecar.empty()) {
    SHROUD_ASSIGN_OR_RETURN(sidecar, read_file(o.sidecar, ContainerLimits{}.max_bytes));
  }
  // Dispatch: a paper-scheme record goes to recover_scheme, anything else to the seal (which
  // reports malformed carriers itself).
  auto embedded = extract_container(file);
  const bool has_embedded = embedded.ok() && embedded->has_value();
  if ((sidecar && schemes::is_scheme_record(*sidecar)) || (has_embedded && schemes::is_scheme_record(**embedded))) {
    if (sidecar && has_embedded) {
      return make_error(ErrorCode::kCorrupt, "the image holds a container and a sidecar was given: refusing two containers");
    }
    return recover_scheme(o, format, file, sidecar ? *sidecar : **embedded);
  }
  RecoverOptions ro;
  ro.regions = o.regions;
  for (const auto& k : o.kinds) {
    SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k));
    ro.kinds.push_back(kind);
  }
  SHROUD_ASSIGN_OR_RETURN(Keyset keyset, load_keyset(o.key));
  if (is_jpeg_coefficient_seal(file, sidecar)) {
    // Sealed in the JPEG coefficient path (docs/jpeg.md): the original coefficients come back.
    auto jrec = recover_jpeg(file, sidecar, keyset, ro);
    if (!jrec.ok()) return make_error(jrec.error().code, "'" + o.input + "': " + jrec.error().message);
    std::vector<std::uint8_t> out = std::move(jrec->file);
    if (format != "jpeg") {  // e.g. .png: the decoded original pixels
      SHROUD_ASSIGN_OR_RETURN(LoadedImage px, decode_image(out));
      SHROUD_ASSIGN_OR_RETURN(out, encode_image(px.pixels, format));
    }
    WriteOptions jwo;
    jwo.overwrite = o.force;
    SHROUD_RETURN_IF_ERROR(write_file_atomic(o.output, out, jwo));
    spdlog::info("restored {} of {} region(s) with key {}; wrote {} ({})", jrec->restored.size(), jrec->region_count,
                 jrec->key_id, o.output,
                 format != "jpeg" ? "original pixels" : jrec->byte_identical ? "the original file, byte for byte" : "original coefficients");
    return ok_status();
  }
  auto rec = recover_image_file(file, sidecar, keyset, ro);
  if (!rec.ok()) return make_error(rec.error().code, "'" + o.input + "': " + rec.error().message);
  if (format == "jpeg") {
    spdlog::warn("writing the recovered image as JPEG loses the bit-exact originals; prefer .png");
  }
  if (rec->binding == CarrierBinding::kDetached) {
    spdlog::warn("container is detached: the restored regions are authentic, the rest of the image is not bound to them");
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(rec->image, format));
  WriteOptions wo;
  wo.overwrite = o.force;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(o.output, bytes, wo));
  spdlog::info("restored {} of {} region(s) with key {}; wrote {}", rec->restored.size(), rec->region_count,
               rec->key_id, o.output);
  return ok_status();
}

}  // namespace

void add_recover(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("recover", "verify a sealed (or paper-scheme) image and restore its original regions");
  auto o = std::make_shared<Opts>();
  cmd->add_option("input", o->input, "sealed image (PNG or JPEG; any format with --sidecar), or a sealed video")->required();
  cmd->add_option("-o,--output", o->output, "recovered image (use .png/.tif to keep the originals exact)")->required();
  cmd->add_option("--key", o->key, "keyset file (sealed images) or scheme key file (paper schemes); mode 0600")->required();
  cmd->add_option("--region", o->regions, "restore only region N (repeatable; `--region 0 --region 2`)");
  cmd->add_option("--kind", o->kinds, "restore only regions of this kind (face, plate, ...)")->delimiter(',');
  cmd->add_option("--sidecar", o->sidecar, "read the container from this file instead of the image");
  cmd->add_option("--track", o->track, "video: the recovery track (default INPUT.shroudv)");
  cmd->add_flag("-f,--force", o->force, "overwrite an existing output file");
  cmd->callback([&g, o] {
    Status s = run(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
