// shroud collect --nats URL --camera ID -o DIR|OUT.mkv [--key KEYSET]: reassemble a camera's
// protected frames in order into a folder, or into a video with its recovery track, reporting
// gaps and dead letters (src/fleet/collector.h, src/fleet/video_assembler.h, docs/fleet.md).
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "commands.h"
#include "fleet/collector.h"
#include "fleet/nats_client.h"
#include "fleet_flags.h"
#include "shroud/keys.h"
#include "shroud/video_io.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_collect {

struct Opts {
  fleet::CollectOptions c;
  fleet::VideoCollectOptions v;
  std::string key, track_recipient;
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
  if (is_video_path(o.c.output_dir)) {   // -o OUT.mkv: a video (and its recovery track)
    o.v.path = o.c.output_dir;
    o.v.overwrite = o.c.overwrite;
    if (!o.key.empty()) {
      auto ks = load_keyset(o.key);
      if (!ks.ok()) return report(ks.error());
      o.v.keyset = std::make_shared<const Keyset>(std::move(*ks));
    }
    if (!o.track_recipient.empty()) {
      auto r = load_recipient_key(o.track_recipient);
      if (!r.ok()) return report(r.error());
      o.v.track_recipient = *r;
    }
    o.c.video = o.v;
  } else if (!o.key.empty() || !o.track_recipient.empty() || !o.v.track.empty()) {
    return report(Error{ErrorCode::kInvalidArgument, "--key/--track-recipient/--track are for a video output (-o OUT.mkv)"});
  }
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
  const auto* v = rep->video ? &*rep->video : nullptr;
  if (v != nullptr) {
    if (v->sealed_without_key) {
      spdlog::warn("{} frame(s) carry sealed regions but no --key was given: no recovery track (the originals "
                   "cannot be restored from this video)", v->sealed_frames);
    }
    for (const auto& u : v->unusable) spdlog::warn("frame {}: unusable, repeated the previous frame: {}", u.index, u.error);
    spdlog::info("camera {}: {} frames received, video {} has {} frames ({} repeated for gaps, {} skipped before the first, "
                 "{} late){}",
                 o.c.camera, rep->written, v->video, v->frames, v->repeated.size(), v->skipped.size(), v->late.size(),
                 v->track.empty() ? "" : fmt::format("; recovery track {} ({} sealed regions)", v->track, v->sealed_regions));
  } else {
    spdlog::info("camera {}: {} frames written to {} ({} dead letters, {} gaps, {} duplicates, {} arrived out of order)",
                 o.c.camera, rep->written, o.c.output_dir, rep->dead.size(), rep->gaps.size(), rep->duplicates, rep->out_of_order);
  }
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
    if (v != nullptr) {
      nlohmann::json vj = {{"path", v->video}, {"frames", v->frames}, {"gap_policy", "repeat-previous"},
                           {"repeated", v->repeated}, {"skipped", v->skipped}, {"late", v->late},
                           {"unusable", nlohmann::json::array()}, {"reorder_window", o.v.reorder_window}, {"max_gap", o.v.max_gap},
                           {"max_buffered", v->max_buffered}, {"sealed_frames", v->sealed_frames},
                           {"sealed_regions", v->sealed_regions}, {"sealed_without_key", v->sealed_without_key}};
      vj["track"] = v->track.empty() ? nlohmann::json(nullptr) : nlohmann::json(v->track);
      for (const auto& u : v->unusable) vj["unusable"].push_back({{"frame", u.index}, {"error", u.error}});
      j["video"] = vj;
    }
    fmt::print("{}\n", j.dump());
  }
  // Missing frames when a count was expected: the output is incomplete, say so in the exit code.
  return o.c.frames > 0 && !rep->gaps.empty() ? exit_code(ErrorCode::kNotFound) : 0;
}

}  // namespace cmd_collect
}  // namespace

void add_fleet_collect(CLI::App& app, Globals& g) {
  using namespace cmd_collect;
  auto* cmd = app.add_subcommand("collect", "fleet: reassemble a camera's protected frames in order (docs/fleet.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->c.url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("--camera", o->c.camera, "camera id")->required();
  cmd->add_option("-o,--output", o->c.output_dir, "output folder (frame-000000.jpg, ...) or video (OUT.mkv/.mp4/.avi)")->required();
  const std::string video = "Video output (-o OUT.mkv)";
  cmd->add_option("--key", o->key, "keyset that opens the sealed frames: writes the recovery track OUT.shroudv")->group(video);
  cmd->add_option("--track-recipient", o->track_recipient, "seal the recovery track to this public key (default: the keyset's symmetric key)")->group(video);
  cmd->add_option("--track", o->v.track, "recovery track path (default OUT.shroudv)")->group(video);
  cmd->add_option("--fps", o->v.fps, "frame rate of the video (default 25)")->check(CLI::Range(0.001, 1000.0))->group(video);
  cmd->add_option("--codec", o->v.codec, "auto, h264, mpeg4 or ffv1 (lossless)")->check(CLI::IsMember({"auto", "h264", "mpeg4", "ffv1"}))->group(video);
  cmd->add_option("--crf", o->v.crf, "H.264 quality, lower is better (default 20)")->check(CLI::Range(0, 51))->group(video);
  cmd->add_option("--preset", o->v.preset, "x264 preset (default veryfast)")->group(video);
  cmd->add_option("--reorder-window", o->v.reorder_window, "frames held waiting for a missing one before it counts as a gap (default 64)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100000}))->group(video);
  cmd->add_option("--max-gap", o->v.max_gap,
                  "a frame more than this many frames after the next expected one is refused as unusable (default 9000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10000000}))->group(video);
  cmd->add_option("--frames", o->c.frames, "stop after frames 0..N-1 are all in (protected or dead)")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--idle-exit", o->idle_exit, "stop after this many seconds without a message")->check(CLI::Range(0.1, 1e6));
  cmd->add_flag("-f,--force", o->c.overwrite, "replace frame files that exist");
  cmd->add_flag("--json", o->json, "print a JSON summary (written, gaps, dead letters with errors) on stdout");
  cmd->callback([&g, o] { g.exit_code = run(*o); });
}

}  // namespace shroud::cli
