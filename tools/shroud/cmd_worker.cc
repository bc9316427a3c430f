// shroud worker --nats URL [engine options]: protect frames from the fleet's work queue
// (src/fleet/worker.h, docs/fleet.md). Stops cleanly on SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include "commands.h"
#include "fleet/worker.h"
#include "fleet/nats_client.h"
#include "fleet_flags.h"
#include "shroud/keys.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_worker {

struct Opts {
  fleet::WorkerOptions w;
  FleetEngineFlags engine;
  std::string open_key;
  double ack_wait = 30;
  double idle_exit = 0;
};

int run(Opts& o, const Globals& g) {
  install_stop_signals();   // first: a stop request during start-up is honoured too
  auto eo = o.engine.build(g);
  if (!eo.ok()) return report(eo.error());
  auto engine = Engine::create(*eo);
  if (!engine.ok()) return report(engine.error());
  for (const auto& w : engine->warnings()) spdlog::warn("{}", w);
  if (!o.open_key.empty()) {
    auto ks = load_keyset(o.open_key);
    if (!ks.ok()) return report(ks.error());
    o.w.open_keyset = std::make_shared<const Keyset>(std::move(*ks));
  }
  o.w.engine = &*engine;
  o.w.ack_wait_ms = static_cast<std::int64_t>(o.ack_wait * 1000);
  o.w.idle_exit_ms = static_cast<std::int64_t>(o.idle_exit * 1000);
  o.w.stop = stop_requested;
  o.w.on_ready = [](const std::string& consumer, std::int64_t ack_wait_ms, std::int64_t max_deliver, std::int64_t pending) {
    spdlog::info("worker ready: consumer {} (ack wait {} ms, max deliver {}, max ack pending {})", consumer, ack_wait_ms,
                 max_deliver, pending);
  };
  o.w.on_log = [](const std::string& m) { spdlog::warn("{}", m); };
  auto rep = fleet::run_worker(o.w);
  fleet::close_nats_library();
  if (!rep.ok()) return report(rep.error());
  spdlog::info("worker: {} frames protected, {} dead letters, {} retried, {} results already stored{}",
               rep->protected_frames, rep->dead, rep->retried, rep->duplicates, stop_requested() ? " (stopped by signal)" : "");
  return 0;
}

}  // namespace cmd_worker
}  // namespace

void add_fleet_worker(CLI::App& app, Globals& g) {
  using namespace cmd_worker;
  auto* cmd = app.add_subcommand("worker", "fleet: protect frames from the NATS JetStream work queue (docs/fleet.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->w.url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("--open-key", o->open_key, "keyset holding the recipient key offload cameras seal frames to");
  cmd->add_option("--camera", o->w.camera_filter, "serve only this camera (its own durable consumer; default: all)");
  cmd->add_option("--batch", o->w.batch, "frames fetched at a time (default 4)")->check(CLI::Range(1, 256));
  cmd->add_option("--ack-wait", o->ack_wait, "seconds before an unacknowledged frame is redelivered (default 30; set when the consumer is created)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-attempts", o->w.max_attempts, "deliveries before a failing frame is dead-lettered (default 5)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--max-ack-pending", o->w.max_ack_pending, "frames in flight over all workers (default 64; back-pressure)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--idle-exit", o->idle_exit, "exit after this many seconds without frames (default: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.1, 1e6));
  o->engine.add_to(cmd);
  cmd->callback([&g, o] { g.exit_code = run(*o, g); });
}

}  // namespace shroud::cli
