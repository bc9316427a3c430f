// shroud camera --nats URL --camera ID INPUT: publish a camera's frames (a folder of JPEG/PNG
// files or a video) to the fleet's work queue (src/fleet/camera.h, docs/fleet.md).
#include <spdlog/spdlog.h>

#include <optional>

#include "commands.h"
#include "fleet/camera.h"
#include "fleet/nats_client.h"
#include "fleet_flags.h"
#include "shroud/keys.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_camera {

struct Opts {
  fleet::CameraOptions c;
  FleetEngineFlags engine;
  bool offload = false;
  bool protect = false;
  std::string offload_recipient;
};

int run(Opts& o, const Globals& g) {
  if (o.offload && o.protect) return report(make_error(ErrorCode::kInvalidArgument, "--offload and --protect exclude each other"));
  std::optional<Engine> engine;
  if (o.offload) {
    if (o.offload_recipient.empty()) {
      return report(make_error(ErrorCode::kInvalidArgument, "--offload needs --to PUB (the worker pool's recipient public key)"));
    }
    auto r = load_recipient_key(o.offload_recipient);
    if (!r.ok()) return report(r.error());
    o.c.recipient = *r;
    o.c.mode = fleet::CameraOptions::Mode::kOffload;
  } else if (o.protect) {
    auto eo = o.engine.build(g);
    if (!eo.ok()) return report(eo.error());
    auto e = Engine::create(*eo);
    if (!e.ok()) return report(e.error());
    for (const auto& w : e->warnings()) spdlog::warn("{}", w);
    engine.emplace(std::move(*e));
    o.c.engine = &*engine;
    o.c.mode = fleet::CameraOptions::Mode::kProtect;
  } else if (!o.offload_recipient.empty()) {
    return report(make_error(ErrorCode::kInvalidArgument, "--to is for --offload"));
  }
  install_stop_signals();
  o.c.cancelled = stop_requested;
  o.c.on_frame = [](std::int64_t index, const std::string& name, bool dup) {
    spdlog::debug("frame {} ({}){}", index, name, dup ? ": already stored" : "");
  };
  auto rep = fleet::run_camera(o.c);
  fleet::close_nats_library();
  if (!rep.ok()) return report(rep.error());
  spdlog::info("camera {}: {} frames published ({} already stored, {} bytes){}", o.c.camera, rep->frames, rep->duplicates,
               rep->bytes, rep->failed > 0 ? ", " + std::to_string(rep->failed) + " refused by the engine (dead letters)" : "");
  return 0;
}

}  // namespace cmd_camera
}  // namespace

void add_fleet_camera(CLI::App& app, Globals& g) {
  using namespace cmd_camera;
  auto* cmd = app.add_subcommand("camera", "fleet: publish a camera's frames to NATS JetStream (docs/fleet.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("input", o->c.input, "a folder of JPEG/PNG frames (sorted), or a video file")->required();
  cmd->add_option("--nats", o->c.url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("--camera", o->c.camera, "camera id: letters, digits, '_' or '-' (a subject token)")->required();
  cmd->add_flag("--offload", o->offload, "seal each frame whole to the workers' recipient key (--to) before publishing");
  cmd->add_option("--to", o->offload_recipient, "--offload: recipient public key file (`shroud keygen KEYSET --recipient PUB`)");
  cmd->add_flag("--protect", o->protect, "on-device: protect here with the engine options and publish only protected frames");
  cmd->add_option("--first-index", o->c.first_index, "index of the first frame (default 0)")->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50));
  cmd->add_option("--max-frames", o->c.max_frames, "stop after N frames")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--fps", o->c.fps, "publish at this rate, as a live camera would (default: as fast as possible)")->check(CLI::Range(0.01, 1000.0));
  cmd->add_option("--video-quality", o->c.video_quality, "JPEG quality of frames taken from a video (default 90)")->check(CLI::Range(1, 100));
  o->engine.add_to(cmd);
  cmd->callback([&g, o] { g.exit_code = run(*o, g); });
}

}  // namespace shroud::cli
