// shroud collect --nats URL --camera ID -o DIR: reassemble a camera's protected frames in
// order into a folder, reporting gaps and dead letters (src/fleet/collector.h, docs/fleet.md).
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "commands.h"
#include "fleet/collector.h"
#include "fleet/nats_client.h"
#include "fleet_flags.h"

namespace shroud::cli {
namespace {

struct Opts {
  fleet::CollectOptions c;
  double idle_exit = 0;
  bool json = false;
};

int run(Opts& o) {
  if (o.c.frames <= 0 && o.idle_exit <= 0) {
    spdlog::info("collecting until SIGINT/SIGTERM (give --frames N or --idle-exit S to stop by itself)");
  }
  o.c.idle_exit_ms = static_cast<std::int64_t>(o.idle_exit * 1000);
  install_stop_signals();
  o.c.stop = stop_requested;
  auto rep = fleet::run_collect(o.c);
  fleet::close_nats_library();
  if (!rep.ok()) return report(rep.error());
  for (const auto& d : rep->dead) spdlog::warn("frame {} ({}): dead letter: {}", d.index, d.name, d.error);
  if (!rep->gaps.empty()) {
    std::string list;
    for (std::size_t i = 0; i < rep->gaps.size() && i < 20; ++i) list += (i ? ", " : "") + std::to_string(rep->gaps[i]);
    if (rep->gaps.size() > 20) list += ", ...";
    spdlog::warn("{} frame(s) missing: {}", rep->gaps.size(), list);
  }
  spdlog::info("camera {}: {} frames written to {} ({} dead letters, {} gaps, {} duplicates, {} arrived out of order)",
               o.c.camera, rep->written, o.c.output_dir, rep->dead.size(), rep->gaps.size(), rep->duplicates, rep->out_of_order);
  if (o.json) {
    nlohmann::json j = {{"camera", o.c.camera}, {"written", rep->written}, {"duplicates", rep->duplicates},
                        {"out_of_order", rep->out_of_order}, {"gaps", rep->gaps}, {"dead", nlohmann::json::array()}};
    for (const auto& d : rep->dead) j["dead"].push_back({{"frame", d.index}, {"name", d.name}, {"error", d.error}});
    if (!rep->latency_ms.empty()) {   // camera publish -> arrival here (docs/fleet.md "Measured")
      std::vector<double> l = rep->latency_ms;
      std::sort(l.begin(), l.end());
      auto pct = [&](double p) { return l[std::min(l.size() - 1, static_cast<std::size_t>(p * static_cast<double>(l.size() - 1) + 0.5))]; };
      j["latency_ms"] = {{"count", l.size()}, {"p50", pct(0.5)}, {"p99", pct(0.99)}, {"max", l.back()}};
    }
    fmt::print("{}\n", j.dump());
  }
  // Missing frames when a count was expected: the output is incomplete, say so in the exit code.
  return o.c.frames > 0 && !rep->gaps.empty() ? exit_code(ErrorCode::kNotFound) : 0;
}

}  // namespace

void add_fleet_collect(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("collect", "fleet: reassemble a camera's protected frames in order (docs/fleet.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->c.url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("--camera", o->c.camera, "camera id")->required();
  cmd->add_option("-o,--output", o->c.output_dir, "output folder (frame-000000.jpg, ...)")->required();
  cmd->add_option("--frames", o->c.frames, "stop after frames 0..N-1 are all in (protected or dead)")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--idle-exit", o->idle_exit, "stop after this many seconds without a message")->check(CLI::Range(0.1, 1e6));
  cmd->add_flag("-f,--force", o->c.overwrite, "replace frame files that exist");
  cmd->add_flag("--json", o->json, "print a JSON summary (written, gaps, dead letters with errors) on stdout");
  cmd->callback([&g, o] { g.exit_code = run(*o); });
}

}  // namespace shroud::cli
