// shroud protect IN... -o OUT: parse the flags into EngineOptions, run the engine, print.
// All pipeline logic (validation, seal ordering, output layout, workers) is in the engine.
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.h"
#include "shroud/ksame.h"
#include "progress.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/regions_json.h"

namespace fs = std::filesystem;

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_protect {

// Flags; the numeric ones use "unset" sentinels (<= 0 or < 0) as CLI11 fills plain values.
struct Opts {
  std::vector<std::string> inputs;
  std::string output;
  DetectFlags detect;
  EngineOptions e;              // strings, flags and the video/seal/scheme options directly
  KeyFlags keys;                // --keyset / --scheme-key / --key into e.key
  double mask_scale = -1;
  double feather = -1;
  int cells = 0;
  double strength = 0;
  std::optional<double> epsilon;
  int dp_cell = 0;
  int dp_m = 0;
  double latent_clip = 0;
  int generator_size = 0;
  int ksame_k = 0;
  bool gallery_batch = false;   // ksame: the gallery is the faces of the inputs
  std::string regions_in;
  bool json = false;
  std::string regions_json;
  bool in_place = false;
  bool stats = false;           // video: print VideoReport::timings
};

EngineOptions engine_options(const Opts& o, const Globals& g) {
  EngineOptions e = o.e;
  e.detector = o.detect.spec;
  e.threshold = o.detect.threshold;
  e.detect_size = o.detect.detect_size;
  e.models_dir = g.models_dir;
  e.allow_unlisted = o.detect.allow_unlisted;
  if (o.mask_scale > 0) e.mask_scale = o.mask_scale;
  if (o.feather >= 0) e.feather = o.feather;
  if (o.cells > 0) e.cells = o.cells;
  if (o.strength > 0) e.strength = o.strength;
  e.epsilon = o.epsilon;
  if (o.dp_cell > 0) e.dp_cell = o.dp_cell;
  if (o.dp_m > 0) e.dp_m = o.dp_m;
  if (o.latent_clip > 0) e.latent_clip = o.latent_clip;
  if (o.generator_size > 0) e.generator_size = o.generator_size;
  if (o.ksame_k > 0) e.ksame_k = o.ksame_k;
  return e;
}

// Writes `text` to `path` atomically (the --regions-json file).
Status write_text(const std::string& path, const std::string& text) {
  WriteOptions wo;
  wo.overwrite = true;
  return write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()), wo);
}

int run_video(const Engine& engine, const Opts& o, const Globals& g) {
  const std::string input = o.inputs.empty() ? std::string() : o.inputs[0];
  JobControl control;
  control.on_warning = [](const std::string& w) { spdlog::warn("{}", w); };
  // --regions-json: one line per frame into a temporary file, renamed into place on success.
  AtomicFile regions_out;
  Status regions_status = ok_status();
  if (!o.regions_json.empty()) {
    WriteOptions wo;
    wo.overwrite = true;
    auto f = AtomicFile::create(o.regions_json, wo);
    if (!f.ok()) return report(f.error());
    regions_out = std::move(*f);
    control.on_frame = [&](std::int64_t index, const std::vector<Action>& actions) {
      nlohmann::json j = {{"frame", index}};
      add_actions_json(j, actions);
      for (std::size_t i = 0; i < actions.size(); ++i) j["protected"][i]["track"] = actions[i].region.track_id;
      if (regions_status.ok()) regions_status = regions_out.write(j.dump() + "\n");
    };
  }
  std::unique_ptr<Progress> progress;
  control.on_progress = [&](std::int64_t done, std::int64_t total) {
    if (!progress) progress = std::make_unique<Progress>(static_cast<std::size_t>(total > 0 ? total : 0), !g.quiet, "fps");
    progress->tick(static_cast<std::size_t>(done));
  };
  auto rep = engine.protect_video(input, o.output, control);
  if (progress) progress->finish();
  if (rep.ok() && !o.regions_json.empty()) {
    if (regions_status.ok()) regions_status = regions_out.commit();
    if (!regions_status.ok()) return report(regions_status.error());
  }
  if (!rep.ok()) return report(rep.error());
  spdlog::info("{} frames ({} detected), {} regions protected, {} tracks, {} audio stream(s) kept; {:.1f} fps; wrote {}",
               rep->frames, rep->detected_frames, rep->regions, rep->tracks, rep->audio_streams, rep->fps, o.output);
  if (o.stats) {
    const VideoTimings& t = rep->timings;
    const double n = rep->frames > 0 ? static_cast<double>(rep->frames) : 1.0;
    fmt::print(stderr,
               "time (ms/frame, summed over threads): decode {:.2f}  detect {:.2f} ({} frames)  track {:.2f}  "
               "protect {:.2f}  encode {:.2f}; wall {:.2f} ({:.1f} fps)\n",
               1000 * t.decode / n, 1000 * t.detect / n, rep->detected_frames, 1000 * t.track / n,
               1000 * t.protect / n, 1000 * t.encode / n, 1000 * rep->seconds / n, rep->fps);
  }
  if (!rep->track.empty()) {
    spdlog::info("recovery track {}: {} regions sealed in {} frames, {} bytes ({:.0f} bytes/frame)", rep->track,
                 rep->sealed_regions, rep->track_frames, rep->track_bytes,
                 rep->track_frames > 0 ? static_cast<double>(rep->track_bytes) / static_cast<double>(rep->track_frames) : 0.0);
  }
  return 0;
}

int run_images(const Engine& engine, const Opts& o, const Globals& g) {
  JobControl control;
  std::unique_ptr<Progress> progress;
  control.on_progress = [&](std::int64_t done, std::int64_t total) {
    if (!progress) progress = std::make_unique<Progress>(static_cast<std::size_t>(total), total > 1 && !g.quiet);
    progress->tick(static_cast<std::size_t>(done));
  };
  auto rep = engine.protect_paths(o.inputs, o.output, o.in_place, control);
  if (progress) progress->finish();
  if (!rep.ok()) return report(rep.error());
  int code = 0;
  std::ostringstream records;
  for (const auto& job : rep->files) {
    if (!job.status.ok()) {
      const int c = report(job.status.error());
      if (code == 0) code = c;
      continue;
    }
    if (job.record.contains("jpeg") && job.record["jpeg"].value("path", "") == "pixels") {
      spdlog::info("'{}': {}; taking the pixel path (re-encodes the JPEG)", job.input,
                   job.record["jpeg"].value("reason", std::string()));
    }
    records << job.record.dump() << "\n";
    if (o.json) fmt::print("{}\n", job.record.dump());
    for (const auto& p : job.record["protected"]) {
      if (p.contains("epsilon")) {
        spdlog::info("{} {}: epsilon nominal {:.3g}, true {:.3g} ({})", p["method"].get<std::string>(), job.input,
                     p["epsilon"]["nominal"].get<double>(), p["epsilon"]["true"].get<double>(),
                     p["epsilon"]["unit"].get<std::string>());
      }
    }
    if (rep->files.size() == 1) spdlog::info("protected {} region(s); wrote {}", job.protected_count, job.output);
  }
  if (rep->files.size() > 1) {
    spdlog::info("{} of {} images written to {} ({} regions found, {} protected)", rep->ok, rep->files.size(),
                 o.in_place ? std::string("their inputs") : o.output, rep->regions, rep->protected_count);
  }
  if (!o.regions_json.empty()) {
    Status s = write_text(o.regions_json, records.str());
    if (!s.ok() && code == 0) code = report(s.error());
  }
  return code;
}

// --gallery-batch: every face (with landmarks) the detector finds in the inputs becomes the ksame
// gallery, registered in memory under a name the engine's `ksame_gallery` then refers to.
Result<std::string> batch_gallery(const Opts& o, const Globals& g) {
  if (!o.e.ksame_gallery.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--gallery and --gallery-batch exclude each other");
  }
  std::vector<std::string> roots;
  Error err;
  const auto files = expand_inputs(o.inputs, &roots, &err);
  if (!err.message.empty()) return err;
  if (files.empty()) return make_error(ErrorCode::kInvalidArgument, "--gallery-batch: no image files given");
  SHROUD_ASSIGN_OR_RETURN(auto detector, make_detector(o.detect, g, false));
  SHROUD_ASSIGN_OR_RETURN(auto gallery, ksame_gallery_from_images(files, *detector));
  const std::string name = std::string(kKsameBatchPrefix) + std::to_string(files.size()) + " files>";
  spdlog::info("ksame: the batch gallery holds {} face(s) from {} image(s)", gallery->faces.rows, files.size());
  SHROUD_RETURN_IF_ERROR(register_ksame_gallery(name, std::move(gallery)));
  return name;
}

int run(const Opts& o, const Globals& g) {
  const bool video = !o.e.camera.empty() || (o.inputs.size() == 1 && is_video_input(o.inputs[0]));
  EngineOptions options = engine_options(o, g);
  if (o.gallery_batch) {
    if (video) return report(make_error(ErrorCode::kInvalidArgument, "--gallery-batch works on images, not video"));
    auto name = batch_gallery(o, g);
    if (!name.ok()) return report(name.error());
    options.ksame_gallery = *name;
  }
  auto engine = Engine::create(options);
  if (!engine.ok()) return report(engine.error());
  for (const auto& w : engine->warnings()) spdlog::warn("{}", w);
  return video ? run_video(*engine, o, g) : run_images(*engine, o, g);
}

}  // namespace cmd_protect
}  // namespace

void add_protect(CLI::App& app, Globals& g) {
  using namespace cmd_protect;
  auto* cmd = app.add_subcommand("protect", "detect sensitive regions and protect them (files or folders)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("inputs", o->inputs, "image files or folders (recursive), or one video file / URL / - (stdin)");
  cmd->add_option("-o,--output", o->output, "output file (one input) or folder (mirrors the input tree)");
  o->detect.add_to(cmd);
  cmd->add_option("-p,--policy", o->e.policy_file, "policy JSON file (docs/policy.md); flags override it");
  cmd->add_option("-m,--method", o->e.method, "protection method for every kind (blur, pixelate, fill, seal, or a paper scheme; see `shroud list`)");
  cmd->add_option("-k,--kinds", o->e.kinds, "kinds to protect (default: face,plate); without --detector only their detectors run (text: PP-OCRv3)")->delimiter(',');
  cmd->add_flag("--eyes-only", o->e.eyes_only, "protect only the eyes of faces (needs a landmark detector)");
  cmd->add_option("--mask-scale", o->mask_scale, "enlarge boxes by this factor (default 1.3)")->check(CLI::Range(0.1, 10.0));
  cmd->add_option("--shape", o->e.shape, "rectangle or ellipse");
  cmd->add_option("--feather", o->feather, "soft edge, fraction of the shorter side (0 to 0.5)")->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--cells", o->cells, "pixelate: cells across the longer side (default 10, at most 16)")->check(CLI::Range(1, 1000));
  cmd->add_option("--strength", o->strength, "blur: sigma as a fraction of the half shorter side (default 0.5, at least 0.25)")
      ->check(CLI::Range(0.01, 4.0));
  cmd->add_option("--color", o->e.color, "fill colour B,G,R (default 0,0,0)")->delimiter(',');
  cmd->add_option("--regions-json", o->regions_json, "write what was found and protected (JSON lines)");
  cmd->add_option("--regions-in", o->regions_in, "protect the regions listed in this JSON file (same as --detector manual:FILE)");
  cmd->add_flag("--json", o->json, "print a JSON summary per image (regions, methods, epsilon spent) on stdout");
  auto* dpg = "Differential privacy";
  cmd->add_option("--epsilon", o->epsilon, "privacy budget for dp-pixelate / dp-plate (default 1)")->group(dpg);
  cmd->add_option("--mechanism", o->e.mechanism, "dp-plate: rr (exact epsilon, default) or paper (Laplace + cyclic wrap)")->group(dpg);
  cmd->add_option("--plate-style", o->e.plate_style, "dp-plate: auto, cn, eu, us")->group(dpg);
  cmd->add_option("--dp-cell", o->dp_cell, "dp-pixelate: cell side in pixels (default 16)")->check(CLI::Range(1, 4096))->group(dpg);
  cmd->add_option("--encoder", o->e.encoder, "generate: face encoder ONNX (path or name in the model path)")->group(dpg);
  cmd->add_option("--generator", o->e.generator, "generate: generator ONNX (path or name in the model path)")->group(dpg);
  cmd->add_option("--latent-clip", o->latent_clip, "generate: L1 radius the latent is clipped to (default 1)")->check(CLI::PositiveNumber)->group(dpg);
  cmd->add_option("--generator-size", o->generator_size, "generate: encoder input side in pixels (default 256)")->check(CLI::Range(8, 4096))->group(dpg);
  cmd->add_option("--dp-m", o->dp_m, "dp-pixelate: pixels neighbouring images may differ in (default 16)")->check(CLI::Range(1, 1 << 30))->group(dpg);
  cmd->add_option("--gallery", o->e.ksame_gallery, "ksame: folder of aligned face crops (docs/ksame.md)");
  cmd->add_option("--k", o->ksame_k, "ksame: faces averaged per replacement (default 5)")->check(CLI::Range(1, 10000));
  cmd->add_flag("--gallery-batch", o->gallery_batch,
                "ksame: the gallery is every face the detector finds in the inputs themselves (needs landmarks)");
  auto* keep_md = cmd->add_flag("--keep-metadata", o->e.keep_metadata,
                                "keep EXIF minus thumbnails, maker notes, GPS and personal tags (default: stripped)");
  cmd->add_option("--keep-tag", o->e.keep_tags, "with --keep-metadata, also keep: gps, author, serial, comment")
      ->check(CLI::IsMember(exif_keep_groups()))->needs(keep_md);
  cmd->add_flag("--in-place", o->in_place, "replace the input files");
  cmd->add_flag("-f,--force", o->e.overwrite, "overwrite existing output files");
  cmd->add_option("-j,--jobs", o->e.jobs, "parallel workers (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("--quality", o->e.quality, "JPEG quality (default 95)")->check(CLI::Range(1, 100));
  auto* video = "Video";
  cmd->add_option("--camera", o->e.camera, "live camera index (e.g. 0) instead of an input file")->group(video);
  cmd->add_option("--detect-every", o->e.detect_every, "run the detector every N frames, track between (default 2)")
      ->check(CLI::Range(1, 1000))->group(video);
  cmd->add_option("--hold", o->e.hold, "keep a lost box this many frames (default 15)")->check(CLI::Range(0, 10000))->group(video);
  cmd->add_option("--extend-back", o->e.extend_back, "also protect N frames before a face is first detected (default: detect-every - 1)")
      ->check(CLI::Range(0, 1000))->group(video);
  cmd->add_option("--max-buffer-mb", o->e.max_buffer_mb, "video: memory for buffered frames, MiB (default 4096)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))->group(video);
  cmd->add_flag("--stats", o->stats, "video: print where the time went (decode, detect, track, protect, encode)")->group(video);
  cmd->add_flag("--drop-audio", o->e.drop_audio, "do not copy audio streams")->group(video);
  cmd->add_option("--max-frames", o->e.max_frames, "stop after N frames (live input)")->check(CLI::Range(1, 1 << 30))->group(video);
  cmd->add_option("--crf", o->e.crf, "H.264 quality, lower is better (default 20)")->check(CLI::Range(0, 51))->group(video);
  cmd->add_option("--preset", o->e.preset, "x264 preset (default veryfast)")->group(video);
  cmd->add_option("--codec", o->e.codec, "auto, h264, mpeg4 or ffv1 (lossless)")->check(CLI::IsMember({"auto", "h264", "mpeg4", "ffv1"}))->group(video);
  o->keys.add_to(cmd, "its primary key seals");
  cmd->add_option("--recipient", o->e.recipient, "seal: recipient public key file (only the key holder can recover)");
  cmd->add_option("--signer", o->e.signer, "seal: device signing key (keygen --signer); adds a signed provenance record");
  cmd->add_option("--placeholder", o->e.placeholder, "seal: what is shown over sealed regions: fill (default), blur, pixelate, noise");
  cmd->add_flag("--sidecar", o->e.sidecar, "seal/schemes: write the container or record to OUTPUT.shroud instead of inside the image");
  auto* sg = "Paper schemes (docs/schemes.md)";
  cmd->add_flag("--whole-frame", o->e.whole_frame, "block-scramble, pbe, perceptual: protect the whole image, no detection")->group(sg);
  cmd->add_option("--level", o->e.level, "sisa, sisa-paper: security level 1..LEVELS (share of the image: 30% .. 100%; default 3)")
      ->check(CLI::Range(1, 100))->group(sg);
  cmd->add_option("--levels", o->e.levels, "sisa, sisa-paper: number of levels L (default 5)")->check(CLI::Range(1, 100))->group(sg);
  cmd->add_option("--encrypt-from", o->e.encrypt_from, "sisa, sisa-paper: levels >= this encrypt, lower ones blur (default 3)")
      ->check(CLI::Range(1, 101))->group(sg);
  cmd->add_option("--jpeg-path", o->e.jpeg_path,
                  "JPEG in and out: auto (coefficients when possible, default), coeff (fail otherwise), pixel (decode + re-encode)")
      ->check(CLI::IsMember({"auto", "coeff", "pixel"}));
  cmd->add_flag("--detached", o->e.detached, "seal: do not bind to the carrier pixels (for pipelines that re-encode)");
  cmd->add_option("--recovery-track,--track", o->e.track,
                  "seal, video: recovery track file (default OUTPUT.shroudv; --track: older spelling)");
  cmd->add_option("--track-format", o->e.track_format,
                  "seal, video: recovery track version: 3 compressed (default), 2 compressed (older colour coding), "
                  "1 raw pixels (large; for comparison and old readers)")
      ->check(CLI::Range(1, 3));
  cmd->callback([&g, o] {
    auto key = o->keys.resolve(false);
    if (!key.ok()) {
      g.exit_code = report(key.error());
      return;
    }
    o->e.key = *key;
    if (o->inputs.empty() && o->e.camera.empty()) {
      g.exit_code = report(make_error(ErrorCode::kInvalidArgument, "give input files, a video, or --camera N"));
      return;
    }
    if (!o->regions_in.empty()) {
      if (!o->detect.spec.empty()) {
        g.exit_code = report(make_error(ErrorCode::kInvalidArgument, "--regions-in and --detector exclude each other"));
        return;
      }
      o->detect.spec = "manual:" + o->regions_in;
    }
    g.exit_code = run(*o, g);
  });
}

}  // namespace shroud::cli
