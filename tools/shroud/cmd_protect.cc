// shroud protect IN... -o OUT: detect, apply the policy, protect, write atomically.
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "commands.h"
#include "progress.h"
#include "shroud/image_io.h"
#include "shroud/pipeline.h"
#include "shroud/protector.h"
#include "shroud/regions_json.h"
#include "shroud/seal.h"

namespace fs = std::filesystem;

namespace shroud::cli {
namespace {

struct Opts {
  std::vector<std::string> inputs;
  std::string output;
  DetectFlags detect;
  std::string policy_file;
  std::string method;
  std::vector<std::string> kinds;
  bool eyes_only = false;
  double mask_scale = -1;
  std::string shape;
  double feather = -1;
  int cells = 0;
  double strength = 0;
  std::vector<double> color;
  std::string regions_json;
  bool keep_metadata = false;
  bool in_place = false;
  bool force = false;
  int jobs = 0;
  int quality = 95;
  // seal (reversible) options
  std::string key;
  std::string recipient;
  std::string placeholder = "fill";
  bool sidecar = false;
  bool detached = false;
};

// Keys for --method seal, loaded once and shared (read-only) by every worker.
struct SealKeys {
  std::optional<Keyset> keyset;
  std::optional<RecipientKey> recipient;
  Placeholder placeholder = Placeholder::kFill;
  KeySource source() const {
    KeySource k;
    if (keyset) k.keyset = &*keyset;
    if (recipient) k.recipient = &*recipient;
    return k;
  }
};

bool uses_seal(const Policy& p) {
  if (p.method == "seal") return true;
  for (const auto& [k, m] : p.method_by_kind) {
    if (m == "seal") return true;
  }
  return false;
}

Result<SealKeys> load_seal_keys(const Opts& o) {
  SealKeys keys;
  SHROUD_ASSIGN_OR_RETURN(keys.placeholder, parse_placeholder(o.placeholder));
  if (o.key.empty() == o.recipient.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--method seal needs exactly one of --key KEYSET or --recipient PUBFILE");
  }
  if (!o.key.empty()) {
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o.key));
    keys.keyset.emplace(std::move(ks));
  } else {
    SHROUD_ASSIGN_OR_RETURN(RecipientKey rk, load_recipient_key(o.recipient));
    keys.recipient = rk;
  }
  return keys;
}

Result<Policy> build_policy(const Opts& o) {
  Policy p;
  if (!o.policy_file.empty()) {
    SHROUD_ASSIGN_OR_RETURN(p, load_policy(o.policy_file));
  }
  if (!o.method.empty()) {
    p.method = o.method;
    p.method_by_kind.clear();
  }
  if (!o.kinds.empty()) {
    p.kinds.clear();
    for (const auto& k : o.kinds) {
      SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k));
      p.kinds.insert(kind);
    }
  }
  if (o.eyes_only) p.eyes_only = true;
  if (o.mask_scale > 0) p.mask_scale = o.mask_scale;
  if (!o.shape.empty()) {
    SHROUD_ASSIGN_OR_RETURN(p.shape, parse_shape(o.shape));
  }
  if (o.feather >= 0) p.feather = o.feather;
  if (o.cells > 0) p.params.pixel_cells = o.cells;
  if (o.strength > 0) p.params.blur_strength = o.strength;
  if (!o.color.empty()) {
    if (o.color.size() != 3) return make_error(ErrorCode::kInvalidArgument, "--color takes B,G,R");
    p.params.fill_color = cv::Scalar(o.color[0], o.color[1], o.color[2], 0);
  }
  // Validate every method name now, before any file is touched.
  std::vector<std::string> methods = {p.method};
  for (const auto& [k, m] : p.method_by_kind) methods.push_back(m);
  for (const auto& m : methods) {
    if (m == "seal") continue;  // needs keys; checked by load_seal_keys()
    SHROUD_RETURN_IF_ERROR([&]() -> Status {
      auto prot = create_protector(m);
      return prot.ok() ? ok_status() : Status(prot.error());
    }());
  }
  return p;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

struct Job {
  std::string input;
  std::string output;
  nlohmann::json record;
  std::size_t regions = 0;
  std::size_t protected_count = 0;
  bool ok = false;
};

// --method seal: irreversible actions first, then the sealed ones; container embedded in the
// output or written beside it (--sidecar). The sidecar is written first and removed again if the
// image cannot be written, so there is never an image without its container.
Status process_sealed(Job& job, Detector& detector, const Policy& policy, const Opts& o, const SealKeys& keys,
                      const std::string& format, const LoadedImage& img) {
  Frame frame{img.pixels, 0, 0.0, job.input};
  auto regions = detector.detect(frame);
  if (!regions.ok()) return make_error(regions.error().code, "'" + job.input + "': " + regions.error().message);
  const std::vector<Action> actions = plan_actions(*regions, frame.image.size(), policy);
  std::vector<Action> plain, sealed;
  for (const auto& a : actions) (a.method == "seal" ? sealed : plain).push_back(a);
  SHROUD_RETURN_IF_ERROR(apply_actions(frame.image, plain));
  EncodeOptions enc;
  enc.jpeg_quality = o.quality;
  if (o.keep_metadata) enc.exif = img.exif;
  WriteOptions wo;
  wo.overwrite = o.force || o.in_place;
  if (sealed.empty()) {
    SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(frame.image, format, enc));
    SHROUD_RETURN_IF_ERROR(write_file_atomic(job.output, bytes, wo));
  } else {
    SealFileOptions so;
    so.seal.placeholder = keys.placeholder;
    so.seal.binding = o.detached ? CarrierBinding::kDetached : CarrierBinding::kPixels;
    so.seal.orientation = img.orientation;
    so.format = format;
    so.encode = enc;
    so.sidecar = o.sidecar;
    auto file = seal_image_file(frame.image, sealed, so, keys.source());
    if (!file.ok()) return make_error(file.error().code, "'" + job.input + "': " + file.error().message);
    const std::string side = sidecar_path(job.output);
    if (o.sidecar) SHROUD_RETURN_IF_ERROR(write_file_atomic(side, file->sidecar, wo));
    Status s = write_file_atomic(job.output, file->image, wo);
    if (!s.ok()) {
      if (o.sidecar) std::filesystem::remove(side);
      return s;
    }
  }
  job.record = regions_to_json(job.input, frame.image.size(), *regions);
  job.record["output"] = job.output;
  if (o.sidecar) job.record["sidecar"] = sidecar_path(job.output);
  add_actions_json(job.record, actions);
  job.regions = regions->size();
  job.protected_count = actions.size();
  return ok_status();
}

Status process(Job& job, Detector& detector, const Policy& policy, const Opts& o, const SealKeys* keys) {
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(job.output));
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(job.input));
  if (keys != nullptr) return process_sealed(job, detector, policy, o, *keys, format, img);
  Frame frame{img.pixels, 0, 0.0, job.input};
  auto result = redact_frame(frame, detector, policy);
  if (!result.ok()) return make_error(result.error().code, "'" + job.input + "': " + result.error().message);
  EncodeOptions enc;
  enc.jpeg_quality = o.quality;
  if (o.keep_metadata) enc.exif = img.exif;
  auto bytes = encode_image(frame.image, format, enc);
  if (!bytes.ok()) return make_error(bytes.error().code, "'" + job.input + "': " + bytes.error().message);
  WriteOptions wo;
  wo.overwrite = o.force || o.in_place;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(job.output, *bytes, wo));
  job.record = regions_to_json(job.input, frame.image.size(), result->regions);
  job.record["output"] = job.output;
  add_actions_json(job.record, result->actions);
  job.regions = result->regions.size();
  job.protected_count = result->actions.size();
  return ok_status();
}

int run(Opts& o, Globals& g) {
  auto policy = build_policy(o);
  if (!policy.ok()) return report(policy.error());
  std::optional<SealKeys> seal_keys;
  if (uses_seal(*policy)) {
    auto keys = load_seal_keys(o);
    if (!keys.ok()) return report(keys.error());
    seal_keys.emplace(std::move(*keys));
  } else if (!o.key.empty() || !o.recipient.empty() || o.sidecar || o.detached) {
    return report(make_error(ErrorCode::kInvalidArgument, "--key/--recipient/--sidecar/--detached only apply to --method seal"));
  }
  if (o.in_place && !o.output.empty()) {
    return report(make_error(ErrorCode::kInvalidArgument, "--in-place and -o exclude each other"));
  }
  if (!o.in_place && o.output.empty()) {
    return report(make_error(ErrorCode::kInvalidArgument, "give -o OUTPUT (or --in-place to replace the inputs)"));
  }
  std::vector<std::string> roots;
  Error err;
  const auto files = expand_inputs(o.inputs, &roots, &err);
  if (!err.message.empty()) return report(err);
  if (files.empty()) return report(make_error(ErrorCode::kNotFound, "no image files found in the inputs"));

  // Output layout: one file in, a file name out; otherwise OUT is a folder mirroring the inputs.
  std::vector<Job> jobs(files.size());
  std::error_code ec;
  const bool single = files.size() == 1 && roots[0].empty();
  const bool out_is_dir = !o.in_place && (!single || fs::is_directory(o.output, ec) ||
                                          (!o.output.empty() && o.output.back() == '/'));
  if (out_is_dir) {
    fs::create_directories(o.output, ec);
    if (!fs::is_directory(o.output, ec)) {
      return report(make_error(ErrorCode::kPermission, "cannot create output folder '" + o.output + "'"));
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    jobs[i].input = files[i];
    if (o.in_place) {
      jobs[i].output = files[i];
    } else if (!out_is_dir) {
      jobs[i].output = o.output;
    } else {
      const fs::path rel = roots[i].empty() ? fs::path(files[i]).filename()
                                            : fs::path(files[i]).lexically_relative(roots[i]);
      jobs[i].output = (fs::path(o.output) / rel).string();
      fs::create_directories(fs::path(jobs[i].output).parent_path(), ec);
    }
    if (!o.in_place && same_file(jobs[i].input, jobs[i].output)) {
      return report(make_error(ErrorCode::kInvalidArgument,
                               "output '" + jobs[i].output + "' is the input; use --in-place to replace inputs"));
    }
  }
  // Fail early on a bad detector spec or missing model, before any work.
  auto probe = make_detector(o.detect, g, true);
  if (!probe.ok()) return report(probe.error());

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t nthreads = std::min<std::size_t>(o.jobs > 0 ? o.jobs : hw, files.size());
  std::atomic<std::size_t> next{0}, done{0};
  Progress progress(files.size(), files.size() > 1 && !g.quiet);
  std::vector<Error> errors(files.size());
  auto worker = [&](std::unique_ptr<Detector> det) {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      Status s = process(jobs[i], *det, *policy, o, seal_keys ? &*seal_keys : nullptr);
      jobs[i].ok = s.ok();
      if (!s.ok()) errors[i] = s.error();
      progress.tick(++done);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < nthreads; ++t) {
    auto det = make_detector(o.detect, g, false);
    if (!det.ok()) return report(det.error());
    threads.emplace_back(worker, std::move(*det));
  }
  worker(std::move(*probe));
  for (auto& t : threads) t.join();
  progress.finish();

  int code = 0;
  std::size_t ok_count = 0, regions = 0, protected_count = 0;
  std::ostringstream records;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].ok) {
      const int c = report(errors[i]);
      if (code == 0) code = c;
      continue;
    }
    ++ok_count;
    regions += jobs[i].regions;
    protected_count += jobs[i].protected_count;
    records << jobs[i].record.dump() << "\n";
    if (files.size() == 1) spdlog::info("protected {} region(s); wrote {}", jobs[i].protected_count, jobs[i].output);
  }
  if (files.size() > 1) {
    spdlog::info("{} of {} images written to {} ({} regions found, {} protected)", ok_count, files.size(),
                 o.in_place ? std::string("their inputs") : o.output, regions, protected_count);
  }
  if (!o.regions_json.empty()) {
    const std::string text = records.str();
    WriteOptions wo;
    wo.overwrite = true;
    Status s = write_file_atomic(o.regions_json, std::vector<std::uint8_t>(text.begin(), text.end()), wo);
    if (!s.ok() && code == 0) code = report(s.error());
  }
  return code;
}

}  // namespace

void add_protect(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("protect", "detect sensitive regions and protect them (files or folders)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("inputs", o->inputs, "image files or folders (recursive)")->required();
  cmd->add_option("-o,--output", o->output, "output file (one input) or folder (mirrors the input tree)");
  o->detect.add_to(cmd);
  cmd->add_option("-p,--policy", o->policy_file, "policy JSON file (docs/policy.md); flags override it");
  cmd->add_option("-m,--method", o->method, "protection method for every kind (blur, pixelate, fill, seal; see `shroud list`)");
  cmd->add_option("-k,--kinds", o->kinds, "kinds to protect (default: face,plate)")->delimiter(',');
  cmd->add_flag("--eyes-only", o->eyes_only, "protect only the eyes of faces (needs a landmark detector)");
  cmd->add_option("--mask-scale", o->mask_scale, "enlarge boxes by this factor (default 1.3)")->check(CLI::Range(0.1, 10.0));
  cmd->add_option("--shape", o->shape, "rectangle or ellipse");
  cmd->add_option("--feather", o->feather, "soft edge, fraction of the shorter side (0 to 0.5)")->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--cells", o->cells, "pixelate: cells across the longer side (default 10)")->check(CLI::Range(1, 1000));
  cmd->add_option("--strength", o->strength, "blur: sigma as a fraction of the half shorter side (default 0.5)")
      ->check(CLI::Range(0.01, 4.0));
  cmd->add_option("--color", o->color, "fill colour B,G,R (default 0,0,0)")->delimiter(',');
  cmd->add_option("--regions-json", o->regions_json, "write what was found and protected (JSON lines)");
  cmd->add_flag("--keep-metadata", o->keep_metadata, "keep EXIF (default: stripped)");
  cmd->add_flag("--in-place", o->in_place, "replace the input files");
  cmd->add_flag("-f,--force", o->force, "overwrite existing output files");
  cmd->add_option("-j,--jobs", o->jobs, "parallel workers (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("--quality", o->quality, "JPEG quality (default 95)")->check(CLI::Range(1, 100));
  cmd->add_option("--key", o->key, "seal: keyset file (its primary key seals; see `shroud keygen`)");
  cmd->add_option("--recipient", o->recipient, "seal: recipient public key file (only the key holder can recover)");
  cmd->add_option("--placeholder", o->placeholder, "seal: what is shown over sealed regions: fill (default), blur, pixelate, noise");
  cmd->add_flag("--sidecar", o->sidecar, "seal: write the container to OUTPUT.shroud instead of inside the image");
  cmd->add_flag("--detached", o->detached, "seal: do not bind to the carrier pixels (for pipelines that re-encode)");
  cmd->callback([&g, o] { g.exit_code = run(*o, g); });
}

}  // namespace shroud::cli
