// shroud verify FILE --trusted SIGNERS [--sidecar FILE | --track FILE] [--json]
//
// Checks the signed provenance record of a sealed image or of a video's recovery track against
// trusted signer public keys and says who signed what (exit 0), or names the problem: unsigned
// (3), unknown signer (7), bad signature or a carrier/container that is not the one signed (6),
// malformed (5). No keyset needed. The work is Engine::verify_file; this file parses and prints.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "commands.h"
#include "shroud/engine.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_verify {

struct Opts {
  std::string input;
  std::string trusted;
  std::string sidecar;
  std::string track;
  bool json = false;
};

Status run(const Opts& o) {
  EngineOptions eo;
  eo.mode = EngineOptions::Mode::kRecover;
  eo.trusted_signers = o.trusted;
  SHROUD_ASSIGN_OR_RETURN(Engine engine, Engine::create(eo));
  SHROUD_ASSIGN_OR_RETURN(VerifyReport rep, engine.verify_file(o.input, o.sidecar, o.track));
  for (const auto& w : rep.warnings) spdlog::warn("{}", w);
  if (o.json) {
    std::printf("%s\n", rep.record.dump(2).c_str());
    return ok_status();
  }
  const auto& r = rep.record;
  const std::string who = rep.signer_id + (rep.signer_name.empty() ? "" : " (" + rep.signer_name + ")");
  std::size_t hidden = 0;
  if (r.contains("redaction") && r["redaction"].is_object()) {
    const auto& red = r["redaction"];
    if (red.contains("protected") && red["protected"].is_array()) hidden = red["protected"].size();
    else if (red.contains("sealed_regions") && red["sealed_regions"].is_number_unsigned()) hidden = red["sealed_regions"].get<std::size_t>();
  }
  std::printf("%s: signed by %s at %s\n", o.input.c_str(), who.c_str(), rep.time.c_str());
  std::printf("  %s, %zu region(s) hidden, method %s, detector %s\n", rep.subject.c_str(), hidden,
              r.value("method", "").c_str(), r.contains("detector") ? r["detector"].value("spec", "").c_str() : "");
  std::printf("  carrier and container match the signed record\n");
  return ok_status();
}

}  // namespace cmd_verify
}  // namespace

void add_verify(CLI::App& app, Globals& g) {
  using namespace cmd_verify;
  auto* cmd = app.add_subcommand("verify", "check who signed a sealed image or video (signed provenance, docs/provenance.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("input", o->input, "sealed image, or a sealed video (its track: INPUT.shroudv or --track)")->required();
  cmd->add_option("--trusted", o->trusted, "trusted signer public keys (a shroud-trusted-signers file or one OUT.pub)")->required();
  cmd->add_option("--sidecar", o->sidecar, "image: read the container from this file");
  cmd->add_option("--track", o->track, "video: the recovery track (default INPUT.shroudv)");
  cmd->add_flag("--json", o->json, "print the whole signed record as JSON");
  cmd->callback([&g, o] {
    Status s = run(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
