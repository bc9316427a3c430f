#include "fleet_flags.h"

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

namespace shroud::cli {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop.load(); }

void FleetEngineFlags::add_to(CLI::App* cmd) {
  auto* grp = "Engine (as `shroud protect`; docs/engine.md)";
  detect.add_to(cmd);
  cmd->add_option("--engine-json", options_json, "engine options as JSON (docs/engine.md); the flags below override it")->group(grp);
  cmd->add_option("-p,--policy", e.policy_file, "policy JSON file (docs/policy.md)")->group(grp);
  cmd->add_option("-m,--method", e.method, "protection method for every kind (blur, pixelate, fill, seal, ...)")->group(grp);
  cmd->add_option("-k,--kinds", e.kinds, "kinds to protect (default: face,plate)")->delimiter(',')->group(grp);
  cmd->add_option("--mask-scale", mask_scale, "enlarge boxes by this factor (default 1.3)")->check(CLI::Range(0.1, 10.0))->group(grp);
  cmd->add_option("--key", e.key, "seal/sisa: keyset file; paper schemes: scheme key file")->group(grp);
  cmd->add_option("--recipient", e.recipient, "seal: recipient public key file")->group(grp);
  cmd->add_option("--placeholder", e.placeholder, "seal: fill (default), blur, pixelate, noise")->group(grp);
  cmd->add_option("--quality", e.quality, "JPEG quality (default 95)")->check(CLI::Range(1, 100))->group(grp);
}

Result<EngineOptions> FleetEngineFlags::build(const Globals& g) const {
  EngineOptions o;
  if (!options_json.empty()) {
    std::ifstream in(options_json, std::ios::binary);
    if (!in) return make_error(ErrorCode::kNotFound, "'" + options_json + "': cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    SHROUD_ASSIGN_OR_RETURN(o, EngineOptions::from_json_text(ss.str()));
  }
  const EngineOptions d;
  if (!detect.spec.empty()) o.detector = detect.spec;
  if (detect.threshold >= 0) o.threshold = detect.threshold;
  if (detect.detect_size > 0) o.detect_size = detect.detect_size;
  if (detect.allow_unlisted) o.allow_unlisted = true;
  if (!g.models_dir.empty()) o.models_dir = g.models_dir;
  if (!e.policy_file.empty()) o.policy_file = e.policy_file;
  if (!e.method.empty()) o.method = e.method;
  if (!e.kinds.empty()) o.kinds = e.kinds;
  if (mask_scale > 0) o.mask_scale = mask_scale;
  if (!e.key.empty()) o.key = e.key;
  if (!e.recipient.empty()) o.recipient = e.recipient;
  if (e.placeholder != d.placeholder) o.placeholder = e.placeholder;
  if (e.quality != d.quality) o.quality = e.quality;
  o.jobs = 1;
  return o;
}

}  // namespace shroud::cli
