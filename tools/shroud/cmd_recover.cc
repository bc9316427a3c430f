// shroud recover IN -o OUT --key KEYSET [--region N]... [--kind K]... [--sidecar FILE]
// shroud recover VIDEO -o REC.mkv --key KEYSET [--track FILE]
//
// Verifies the container (manifest, carrier, every region tag) and only then writes OUT with
// the selected regions restored bit-exactly. Any failure: error, non-zero exit, no OUT.
// The work is the engine's (Engine::recover_file / recover_video); this file parses and prints.
#include <spdlog/spdlog.h>

#include "commands.h"
#include "shroud/engine.h"
#include "shroud/video_io.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_recover {

struct Opts {
  std::string input;
  std::string output;
  KeyFlags keys;
  RecoverSelection selection;
  std::string sidecar;
  std::string track;
  std::string trusted;
  bool require_signed = false;
  bool allow_unsigned = false;
  bool force = false;
};

Status run(const Opts& o) {
  EngineOptions eo;
  eo.mode = EngineOptions::Mode::kRecover;
  SHROUD_ASSIGN_OR_RETURN(eo.key, o.keys.resolve(true));
  eo.overwrite = o.force;
  eo.trusted_signers = o.trusted;
  eo.require_signed = o.require_signed;
  eo.allow_unsigned = o.allow_unsigned;
  SHROUD_ASSIGN_OR_RETURN(Engine engine, Engine::create(eo));
  if (is_video_path(o.input) || !o.track.empty()) {
    if (!o.sidecar.empty() || !o.selection.regions.empty() || !o.selection.kinds.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "--sidecar/--region/--kind apply to images; a video takes --track");
    }
    SHROUD_ASSIGN_OR_RETURN(VideoRecoverReport rec, engine.recover_video(o.input, o.output, o.track));
    for (const auto& w : rec.warnings) spdlog::warn("{}", w);
    if (!rec.signed_by.empty()) spdlog::info("signed by {} (provenance record verified)", rec.signed_by);
    spdlog::info("restored {} region(s) in {} frames with key {}; wrote {} (FFV1, {:.3g} fps)", rec.regions, rec.frames,
                 rec.key_id, o.output, rec.fps);
    return ok_status();
  }
  SHROUD_ASSIGN_OR_RETURN(RecoverReport rec, engine.recover_file(o.input, o.output, o.sidecar, o.selection));
  for (const auto& w : rec.warnings) spdlog::warn("{}", w);
  if (!rec.signed_by.empty()) spdlog::info("signed by {} (provenance record verified)", rec.signed_by);
  if (rec.scheme == "seal-jpeg") {
    const bool jpeg = rec.image.size() > 1 && rec.image[0] == 0xFF && rec.image[1] == 0xD8;
    spdlog::info("restored {} of {} region(s) with key {}; wrote {} ({})", rec.restored, rec.region_count, rec.key_id,
                 o.output, !jpeg ? "original pixels" : rec.byte_identical ? "the original file, byte for byte" : "original coefficients");
  } else if (rec.scheme == "seal") {
    spdlog::info("restored {} of {} region(s) with key {}; wrote {}", rec.restored, rec.region_count, rec.key_id, o.output);
  } else {
    spdlog::info("recovered {} image ({}x{}); wrote {}", rec.scheme, rec.size.width, rec.size.height, o.output);
  }
  return ok_status();
}

}  // namespace cmd_recover
}  // namespace

void add_recover(CLI::App& app, Globals& g) {
  using namespace cmd_recover;
  auto* cmd = app.add_subcommand("recover", "verify a sealed (or paper-scheme) image and restore its original regions");
  auto o = std::make_shared<Opts>();
  cmd->add_option("input", o->input, "sealed image (PNG or JPEG; any format with --sidecar), or a sealed video")->required();
  cmd->add_option("-o,--output", o->output, "recovered image (use .png/.tif to keep the originals exact)")->required();
  o->keys.add_to(cmd, "its keys open the seal");
  cmd->add_option("--region", o->selection.regions, "restore only region N (repeatable; `--region 0 --region 2`)");
  cmd->add_option("--kind", o->selection.kinds, "restore only regions of this kind (face, plate, ...)")->delimiter(',');
  cmd->add_option("--container,--sidecar", o->sidecar,
                  "read the container (or scheme record) from this file instead of the image (--sidecar: older spelling)");
  cmd->add_option("--recovery-track,--track", o->track, "video: the recovery track (default INPUT.shroudv; --track: older spelling)");
  cmd->add_option("--trusted", o->trusted, "trusted signer public keys: check the signed provenance record first");
  cmd->add_flag("--require-signed", o->require_signed, "refuse unsigned files (needs --trusted)");
  cmd->add_flag("--allow-unsigned", o->allow_unsigned, "with --trusted: accept unsigned files and unknown signers (warning)");
  cmd->add_flag("-f,--force", o->force, "overwrite an existing output file");
  cmd->callback([&g, o] {
    Status s = run(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
