// shroud protect IN... -o OUT: detect, apply the policy, protect, write atomically.
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "commands.h"
#include "progress.h"
#include "scheme_cli.h"
#include "shroud/dp_plate.h"
#include "shroud/image_io.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/pipeline.h"
#include "shroud/recovery_track.h"
#include "shroud/protector.h"
#include "shroud/regions_json.h"
#include "shroud/video.h"
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
  std::optional<double> epsilon;
  std::string mechanism;
  std::string plate_style;
  int dp_cell = 0;
  int dp_m = 0;
  std::string regions_in;
  std::string encoder;
  std::string generator;
  double latent_clip = 0;
  int generator_size = 0;
  bool json = false;
  std::string regions_json;
  bool keep_metadata = false;
  std::vector<std::string> keep_tags;
  bool in_place = false;
  bool force = false;
  int jobs = 0;
  int quality = 95;
  // video
  std::string camera;
  int detect_every = 2;
  int hold = 15;
  int extend_back = -1;
  std::int64_t max_buffer_mb = 4096;
  bool stats = false;
  bool drop_audio = false;
  std::int64_t max_frames = 0;
  int crf = 20;
  std::string preset = "veryfast";
  std::string codec = "auto";
  // seal (reversible) options
  std::string key;
  std::string recipient;
  std::string placeholder = "fill";
  bool sidecar = false;
  bool detached = false;
  std::string track;  // video: recovery track path (default OUTPUT.shroudv)
  // paper schemes
  bool whole_frame = false;
  int level = 3;
  int levels = 5;
  int encrypt_from = 3;
  std::string jpeg_path = "auto";  // auto | coeff | pixel (docs/jpeg.md)
};

// --method <paper scheme>: the choice, its key file (not for sisa, which uses the seal keys)
// and the SISA level parameters.
struct SchemeRun {
  SchemeChoice choice;
  std::optional<schemes::SchemeKey> key;
  schemes::SisaParams sisa;
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

Result<Policy> build_policy(const Opts& o, const Globals& g) {
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
  if (o.epsilon) p.params.epsilon = *o.epsilon;
  if (!o.mechanism.empty()) p.params.mechanism = o.mechanism;
  if (!o.plate_style.empty()) p.params.plate_style = o.plate_style;
  if (o.dp_cell > 0) p.params.dp_cell = o.dp_cell;
  if (o.dp_m > 0) p.params.dp_m = o.dp_m;
  if (!o.encoder.empty() || !o.generator.empty()) {
    // Model files by path, or by name through the model search path.
    const ModelLocator models(g.models_dir);
    for (auto [flag, dest] : {std::pair{&o.encoder, &p.params.generator_encoder}, std::pair{&o.generator, &p.params.generator_model}}) {
      if (flag->empty()) continue;
      std::error_code ec;
      if (fs::is_regular_file(*flag, ec)) {
        *dest = *flag;
      } else {
        SHROUD_ASSIGN_OR_RETURN(fs::path found, models.find(*flag));
        *dest = found.string();
      }
    }
  }
  if (o.latent_clip > 0) p.params.latent_clip = o.latent_clip;
  if (o.generator_size > 0) p.params.generator_size = o.generator_size;
  SHROUD_RETURN_IF_ERROR(validate_policy(p));
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

// Epsilon spent by a DP action: nominal (what the user asked for, composed over the plate's
// symbols) and true (what the mechanism actually guarantees between any two inputs).
std::optional<nlohmann::json> epsilon_json(const Action& a) {
  if (a.method == "dp-pixelate") {
    return nlohmann::json{{"nominal", a.params.epsilon}, {"true", a.params.epsilon}, {"unit", "image, m-pixel neighbours"},
                          {"m", a.params.dp_m}, {"cell", a.params.dp_cell}};
  }
  if (a.method == "generate") {
    return nlohmann::json{{"nominal", a.params.epsilon}, {"true", a.params.epsilon}, {"unit", "region latent, L1 clip"},
                          {"latent_clip", a.params.latent_clip}};
  }
  if (a.method != "dp-plate") return std::nullopt;
  auto mech = dp::parse_mechanism(a.params.mechanism);
  if (!mech.ok() || a.region.text.empty()) return std::nullopt;
  auto acc = dp::plate_epsilon(a.region.text, a.params.plate_style, a.params.epsilon, *mech);
  if (!acc.ok()) return std::nullopt;
  return nlohmann::json{{"mechanism", dp::mechanism_name(*mech)},
                        {"per_symbol_nominal", a.params.epsilon},
                        {"nominal", acc->nominal},
                        {"true", acc->actual},
                        {"symbols", acc->symbols},
                        {"unit", "plate (composed over symbols)"}};
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
                      const std::string& format, const LoadedImage& img, const SchemeRun* sisa) {
  Frame frame{img.pixels, 0, 0.0, job.input};
  auto regions = detector.detect(frame);
  if (!regions.ok()) return make_error(regions.error().code, "'" + job.input + "': " + regions.error().message);
  std::vector<Action> actions;
  Placeholder placeholder = keys.placeholder;
  if (sisa != nullptr) {
    // SISA on the seal: priority + level select the rectangles; every one is sealed, shown
    // blurred below the encrypt level and with --placeholder from it.
    auto planned = sisa_seal_actions(*regions, frame.image.size(), policy, sisa->sisa, keys.placeholder, &placeholder);
    if (!planned.ok()) return make_error(planned.error().code, "'" + job.input + "': " + planned.error().message);
    actions = std::move(*planned);
  } else {
    actions = plan_actions(*regions, frame.image.size(), policy);
  }
  std::vector<Action> plain, sealed;
  for (const auto& a : actions) (a.method == "seal" ? sealed : plain).push_back(a);
  SHROUD_RETURN_IF_ERROR(apply_actions(frame.image, plain));
  EncodeOptions enc;
  enc.jpeg_quality = o.quality;
  if (o.keep_metadata) enc.exif = img.exif;
  enc.keep_exif = o.keep_tags;
  WriteOptions wo;
  wo.overwrite = o.force || o.in_place;
  if (sealed.empty()) {
    SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(frame.image, format, enc));
    SHROUD_RETURN_IF_ERROR(write_file_atomic(job.output, bytes, wo));
  } else {
    SealFileOptions so;
    so.seal.placeholder = placeholder;
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

Status process_scheme(Job& job, Detector& detector, const Policy& policy, const Opts& o, const SchemeRun& run,
                      const std::string& format, const LoadedImage& img) {
  SchemeProtectArgs args;
  args.key = &*run.key;
  args.whole_frame = o.whole_frame;
  args.sisa = run.sisa;
  args.sidecar = o.sidecar;
  args.overwrite = o.force || o.in_place;
  SHROUD_ASSIGN_OR_RETURN(SchemeJobResult res, protect_with_scheme(job.input, job.output, format, img, detector, policy, args));
  job.record = nlohmann::json{{"image", job.input}, {"width", img.pixels.cols}, {"height", img.pixels.rows}};
  job.record["output"] = job.output;
  if (o.sidecar) job.record["sidecar"] = sidecar_path(job.output);
  job.record["whole_frame"] = o.whole_frame;
  add_actions_json(job.record, res.actions);
  job.regions = res.regions;
  job.protected_count = res.actions.size();
  return ok_status();
}

// JPEG in and out: the coefficient path (docs/jpeg.md). Returns kUnsupported when the pixel
// path must take the file (with --jpeg-path auto).
Status process_jpeg(Job& job, Detector& detector, const Policy& policy, const Opts& o, const SealKeys* keys) {
  SHROUD_ASSIGN_OR_RETURN(auto file, read_file(job.input));
  if (sniff_format(file) != "jpeg") return make_error(ErrorCode::kUnsupported, "the content is not JPEG");
  JpegProtectOptions jo;
  jo.keep_metadata = o.keep_metadata;
  jo.sidecar = o.sidecar;
  jo.binding = o.detached ? CarrierBinding::kDetached : CarrierBinding::kPixels;
  if (keys != nullptr) jo.placeholder = keys->placeholder;
  jo.detect_side = o.detect.spec.rfind("manual", 0) == 0 ? 0 : (o.detect.detect_size > 0 ? o.detect.detect_size : 640);
  const KeySource source = keys != nullptr ? keys->source() : KeySource{};
  SHROUD_ASSIGN_OR_RETURN(JpegProtected out, protect_jpeg_file(file, detector, policy, jo, keys != nullptr ? &source : nullptr));
  WriteOptions wo;
  wo.overwrite = o.force || o.in_place;
  const std::string side = sidecar_path(job.output);
  if (!out.sidecar.empty()) SHROUD_RETURN_IF_ERROR(write_file_atomic(side, out.sidecar, wo));
  Status s = write_file_atomic(job.output, out.file, wo);
  if (!s.ok() && !out.sidecar.empty()) fs::remove(side);
  SHROUD_RETURN_IF_ERROR(s);
  SHROUD_ASSIGN_OR_RETURN(JpegInfo info, probe_jpeg(out.file));
  job.record = regions_to_json(job.input, cv::Size(info.width, info.height), out.regions);
  job.record["output"] = job.output;
  if (!out.sidecar.empty()) job.record["sidecar"] = side;
  add_actions_json(job.record, out.actions);
  job.record["jpeg"] = {{"path", "coefficients"}, {"boxes_grown_to_imcu", {info.imcu_width, info.imcu_height}},
                        {"byte_identical_recovery", out.byte_identical}};
  job.regions = out.regions.size();
  job.protected_count = out.actions.size();
  return ok_status();
}

Status process(Job& job, Detector& detector, const Policy& policy, const Opts& o, const SealKeys* keys,
               const SchemeRun* scheme) {
  SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(job.output));
  if (o.jpeg_path != "pixel" && format == "jpeg" && scheme == nullptr && format_from_path(job.input).ok() &&
      *format_from_path(job.input) == "jpeg") {
    Status s = process_jpeg(job, detector, policy, o, keys);
    if (s.ok()) return s;
    if (o.jpeg_path == "coeff" || s.error().code != ErrorCode::kUnsupported) {
      return make_error(s.error().code, "'" + job.input + "': " + s.error().message);
    }
    spdlog::info("'{}': {}; taking the pixel path (re-encodes the JPEG)", job.input, s.error().message);
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(job.input));
  if (scheme != nullptr && !scheme->choice.sisa_seal()) return process_scheme(job, detector, policy, o, *scheme, format, img);
  if (keys != nullptr) return process_sealed(job, detector, policy, o, *keys, format, img, scheme);
  Frame frame{img.pixels, 0, 0.0, job.input};
  auto result = redact_frame(frame, detector, policy);
  if (!result.ok()) return make_error(result.error().code, "'" + job.input + "': " + result.error().message);
  EncodeOptions enc;
  enc.jpeg_quality = o.quality;
  if (o.keep_metadata) enc.exif = img.exif;
  enc.keep_exif = o.keep_tags;
  auto bytes = encode_image(frame.image, format, enc);
  if (!bytes.ok()) return make_error(bytes.error().code, "'" + job.input + "': " + bytes.error().message);
  WriteOptions wo;
  wo.overwrite = o.force || o.in_place;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(job.output, *bytes, wo));
  job.record = regions_to_json(job.input, frame.image.size(), result->regions);
  job.record["output"] = job.output;
  add_actions_json(job.record, result->actions);
  for (std::size_t i = 0; i < result->actions.size(); ++i) {
    if (auto eps = epsilon_json(result->actions[i])) job.record["protected"][i]["epsilon"] = *eps;
  }
  job.regions = result->regions.size();
  job.protected_count = result->actions.size();
  return ok_status();
}

bool is_stream_source(const std::string& s) { return s == "-" || s.find("://") != std::string::npos; }

int run_video(const Opts& o, const Policy& policy, Globals& g, const SealKeys* seal_keys) {
  const std::string source = !o.camera.empty() ? o.camera : (o.inputs[0] == "-" ? std::string("pipe:0") : o.inputs[0]);
  if (o.output.empty()) return report(make_error(ErrorCode::kInvalidArgument, "give -o OUTPUT.mp4 for video"));
  if (!o.camera.empty() || o.inputs[0] != "-") {
    std::error_code ec;
    if (o.camera.empty() && !is_stream_source(source) && fs::exists(o.output, ec) && fs::exists(source, ec) &&
        fs::equivalent(o.output, source, ec)) {
      return report(make_error(ErrorCode::kInvalidArgument, "output '" + o.output + "' is the input"));
    }
  }
  // --method seal: the recovery track, written beside the output and renamed into place after it.
  std::unique_ptr<RecoveryTrackWriter> track;
  const std::string track_file = o.track.empty() ? track_path(o.output) : o.track;
  if (seal_keys != nullptr) {
    if (o.detached || o.sidecar) {
      spdlog::warn("--sidecar/--detached: a video's recovery track is always a separate, geometry-bound file");
    }
    std::error_code ec;
    if (fs::absolute(track_file, ec) == fs::absolute(o.output, ec) ||
        (o.camera.empty() && fs::exists(track_file, ec) && fs::exists(source, ec) && fs::equivalent(track_file, source, ec))) {
      return report(make_error(ErrorCode::kInvalidArgument, "--track '" + track_file + "' is the input or the output"));
    }
    TrackWriterOptions to;
    to.placeholder = seal_keys->placeholder;
    to.overwrite = o.force;
    auto created = RecoveryTrackWriter::create(track_file, seal_keys->source(), to);
    if (!created.ok()) return report(created.error());
    track = std::move(*created);
  } else if (!o.track.empty()) {
    return report(make_error(ErrorCode::kInvalidArgument, "--track only applies to --method seal"));
  }
  auto probe = make_detector(o.detect, g, true);
  if (!probe.ok()) return report(probe.error());
  VideoProtectOptions vo;
  vo.detect_every = o.detect_every;
  vo.extend_back = o.extend_back;
  vo.max_buffer_bytes = o.max_buffer_mb << 20;
  vo.tracker.hold_frames = o.hold;
  vo.drop_audio = o.drop_audio;
  vo.max_frames = o.max_frames;
  vo.detect_workers = o.jobs;
  vo.writer.path = o.output;
  vo.writer.crf = o.crf;
  vo.writer.preset = o.preset;
  vo.writer.codec = o.codec;
  vo.writer.overwrite = o.force;
  std::unique_ptr<std::ofstream> regions_out;
  std::string regions_tmp;
  if (!o.regions_json.empty()) {
    regions_tmp = o.regions_json + ".tmp";
    regions_out = std::make_unique<std::ofstream>(regions_tmp, std::ios::trunc);
    if (!*regions_out) return report(make_error(ErrorCode::kPermission, "cannot write '" + o.regions_json + "'"));
    vo.on_frame = [&](std::int64_t index, const std::vector<Action>& actions) {
      nlohmann::json j = {{"frame", index}};
      add_actions_json(j, actions);
      for (std::size_t i = 0; i < actions.size(); ++i) j["protected"][i]["track"] = actions[i].region.track_id;
      *regions_out << j.dump() << "\n";
    };
  }
  std::unique_ptr<Progress> progress;
  vo.on_progress = [&](std::int64_t done, std::int64_t total) {
    if (!progress) progress = std::make_unique<Progress>(static_cast<std::size_t>(total > 0 ? total : 0), !g.quiet, "fps");
    progress->tick(static_cast<std::size_t>(done));
  };
  auto shared_probe = std::make_shared<std::unique_ptr<Detector>>(std::move(*probe));
  DetectorFactory factory = [&o, &g, shared_probe]() -> Result<std::unique_ptr<Detector>> {
    if (*shared_probe) return std::move(*shared_probe);
    return make_detector(o.detect, g, false);
  };
  auto summary = protect_video(source, factory, policy, vo, track.get());
  if (progress) progress->finish();
  if (summary.ok() && track) {
    Status s = track->commit();
    if (!s.ok()) {
      std::error_code ec;
      fs::remove(o.output, ec);  // never a sealed video without its recovery track
      summary = s.error();
    }
  }
  if (regions_out) {
    regions_out->close();
    std::error_code ec;
    if (summary.ok()) fs::rename(regions_tmp, o.regions_json, ec);
    else fs::remove(regions_tmp, ec);
  }
  if (!summary.ok()) return report(summary.error());
  spdlog::info("{} frames ({} detected), {} regions protected, {} tracks, {} audio stream(s) kept; {:.1f} fps; wrote {}",
               summary->frames, summary->detected_frames, summary->regions, summary->tracks, summary->audio_streams,
               summary->fps, o.output);
  if (o.stats) {
    const VideoTimings& t = summary->timings;
    const double n = summary->frames > 0 ? static_cast<double>(summary->frames) : 1.0;
    fmt::print(stderr,
               "time (ms/frame, summed over threads): decode {:.2f}  detect {:.2f} ({} frames)  track {:.2f}  "
               "protect {:.2f}  encode {:.2f}; wall {:.2f} ({:.1f} fps)\n",
               1000 * t.decode / n, 1000 * t.detect / n, summary->detected_frames, 1000 * t.track / n,
               1000 * t.protect / n, 1000 * t.encode / n, 1000 * summary->seconds / n, summary->fps);
  }
  if (track) {
    spdlog::info("recovery track {}: {} regions sealed in {} frames, {} bytes ({:.0f} bytes/frame)", track_file,
                 track->sealed_regions(), track->frames(), track->bytes(),
                 track->frames() > 0 ? static_cast<double>(track->bytes()) / static_cast<double>(track->frames()) : 0.0);
  }
  return 0;
}

// Loads what --method <paper scheme> needs and checks the option combinations.
Result<SchemeRun> prepare_scheme(const SchemeChoice& choice, const Opts& o) {
  SchemeRun run;
  run.choice = choice;
  const bool sisa = choice.sisa_seal() || *choice.method == schemes::SchemeMethod::kSisaPaper;
  if (o.whole_frame && (choice.sisa_seal() || !schemes::scheme_allows_whole_frame(*choice.method))) {
    return make_error(ErrorCode::kInvalidArgument, "--whole-frame applies to block-scramble, pbe and perceptual only");
  }
  if (sisa) {
    run.sisa.levels = o.levels;
    run.sisa.level = o.level;
    run.sisa.encrypt_from_level = o.encrypt_from;
    SHROUD_RETURN_IF_ERROR(schemes::check_sisa_params(run.sisa));
  }
  if (choice.sisa_seal()) return run;   // keys: load_seal_keys (keyset or recipient)
  if (!o.recipient.empty() || o.detached) {
    return make_error(ErrorCode::kInvalidArgument, "--recipient/--detached apply to --method seal and sisa only");
  }
  if (o.key.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--method " + choice.name + " needs --key KEYFILE; create one with `shroud keygen --scheme " +
                                                       choice.name + " -o KEYFILE`");
  }
  SHROUD_ASSIGN_OR_RETURN(run.key, load_scheme_key_file(o.key));
  if (run.key->method != *choice.method) {
    return make_error(ErrorCode::kInvalidArgument, "'" + o.key + "' is a " + schemes::scheme_method_name(run.key->method) +
                                                       " key file, not " + choice.name);
  }
  return run;
}

int run(Opts& o, Globals& g) {
  const std::optional<SchemeChoice> scheme_method = scheme_choice(o.method);
  Result<Policy> policy = [&] {
    if (!scheme_method) return build_policy(o, g);
    Opts planning = o;   // schemes use the policy for kinds and box scaling only
    planning.method = "fill";
    return build_policy(planning, g);
  }();
  if (!policy.ok()) return report(policy.error());
  if (!scheme_method && (o.whole_frame)) {
    return report(make_error(ErrorCode::kInvalidArgument, "--whole-frame applies to block-scramble, pbe and perceptual only"));
  }
  const bool video = !o.camera.empty() ||
                     (o.inputs.size() == 1 && (is_video_path(o.inputs[0]) || is_stream_source(o.inputs[0])));
  if (video && scheme_method) {
    return report(make_error(ErrorCode::kUnsupported, "--method " + scheme_method->name + " is for still images"));
  }
  if (video) {
    if (!uses_seal(*policy)) return run_video(o, *policy, g, nullptr);
    auto keys = load_seal_keys(o);
    if (!keys.ok()) return report(keys.error());
    return run_video(o, *policy, g, &*keys);
  }
  std::optional<SchemeRun> scheme;
  if (scheme_method) {
    auto prepared = prepare_scheme(*scheme_method, o);
    if (!prepared.ok()) return report(prepared.error());
    scheme.emplace(std::move(*prepared));
  }
  std::optional<SealKeys> seal_keys;
  if (scheme && !scheme->choice.sisa_seal()) {
    // keys loaded by prepare_scheme
  } else if (uses_seal(*policy) || scheme) {
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
    if (scheme) {
      auto format = format_from_path(jobs[i].output);
      if (!format.ok()) return report(format.error());
      Status s = check_scheme_output(scheme->choice, *format, o.sidecar);
      if (!s.ok()) return report(s.error());
    }
    if (!o.in_place && same_file(jobs[i].input, jobs[i].output)) {
      return report(make_error(ErrorCode::kInvalidArgument,
                               "output '" + jobs[i].output + "' is the input; use --in-place to replace inputs"));
    }
  }
  // Fail early on a bad detector spec or missing model, before any work.
  auto probe = o.whole_frame ? Result<std::unique_ptr<Detector>>(make_null_detector()) : make_detector(o.detect, g, true);
  if (!probe.ok()) return report(probe.error());
  if (scheme) warn_scheme(scheme->choice);

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t nthreads = std::min<std::size_t>(o.jobs > 0 ? o.jobs : hw, files.size());
  std::atomic<std::size_t> next{0}, done{0};
  Progress progress(files.size(), files.size() > 1 && !g.quiet);
  std::vector<Error> errors(files.size());
  auto worker = [&](std::unique_ptr<Detector> det) {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      Status s = process(jobs[i], *det, *policy, o, seal_keys ? &*seal_keys : nullptr, scheme ? &*scheme : nullptr);
      jobs[i].ok = s.ok();
      if (!s.ok()) errors[i] = s.error();
      progress.tick(++done);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < nthreads; ++t) {
    auto det = o.whole_frame ? Result<std::unique_ptr<Detector>>(make_null_detector()) : make_detector(o.detect, g, false);
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
    if (o.json) fmt::print("{}\n", jobs[i].record.dump());
    for (const auto& p : jobs[i].record["protected"]) {
      if (p.contains("epsilon")) {
        spdlog::info("{} {}: epsilon nominal {:.3g}, true {:.3g} ({})", p["method"].get<std::string>(),
                     jobs[i].input, p["epsilon"]["nominal"].get<double>(), p["epsilon"]["true"].get<double>(),
                     p["epsilon"]["unit"].get<std::string>());
      }
    }
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
  cmd->add_option("inputs", o->inputs, "image files or folders (recursive), or one video file / URL / - (stdin)");
  cmd->add_option("-o,--output", o->output, "output file (one input) or folder (mirrors the input tree)");
  o->detect.add_to(cmd);
  cmd->add_option("-p,--policy", o->policy_file, "policy JSON file (docs/policy.md); flags override it");
  cmd->add_option("-m,--method", o->method, "protection method for every kind (blur, pixelate, fill, seal, or a paper scheme; see `shroud list`)");
  cmd->add_option("-k,--kinds", o->kinds, "kinds to protect (default: face,plate)")->delimiter(',');
  cmd->add_flag("--eyes-only", o->eyes_only, "protect only the eyes of faces (needs a landmark detector)");
  cmd->add_option("--mask-scale", o->mask_scale, "enlarge boxes by this factor (default 1.3)")->check(CLI::Range(0.1, 10.0));
  cmd->add_option("--shape", o->shape, "rectangle or ellipse");
  cmd->add_option("--feather", o->feather, "soft edge, fraction of the shorter side (0 to 0.5)")->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--cells", o->cells, "pixelate: cells across the longer side (default 10, at most 16)")->check(CLI::Range(1, 1000));
  cmd->add_option("--strength", o->strength, "blur: sigma as a fraction of the half shorter side (default 0.5, at least 0.25)")
      ->check(CLI::Range(0.01, 4.0));
  cmd->add_option("--color", o->color, "fill colour B,G,R (default 0,0,0)")->delimiter(',');
  cmd->add_option("--regions-json", o->regions_json, "write what was found and protected (JSON lines)");
  cmd->add_option("--regions-in", o->regions_in, "protect the regions listed in this JSON file (same as --detector manual:FILE)");
  cmd->add_flag("--json", o->json, "print a JSON summary per image (regions, methods, epsilon spent) on stdout");
  auto* dpg = "Differential privacy";
  cmd->add_option("--epsilon", o->epsilon, "privacy budget for dp-pixelate / dp-plate (default 1)")->group(dpg);
  cmd->add_option("--mechanism", o->mechanism, "dp-plate: rr (exact epsilon, default) or paper (Laplace + cyclic wrap)")->group(dpg);
  cmd->add_option("--plate-style", o->plate_style, "dp-plate: auto, cn, eu, us")->group(dpg);
  cmd->add_option("--dp-cell", o->dp_cell, "dp-pixelate: cell side in pixels (default 16)")->check(CLI::Range(1, 4096))->group(dpg);
  cmd->add_option("--encoder", o->encoder, "generate: face encoder ONNX (path or name in the model path)")->group(dpg);
  cmd->add_option("--generator", o->generator, "generate: generator ONNX (path or name in the model path)")->group(dpg);
  cmd->add_option("--latent-clip", o->latent_clip, "generate: L1 radius the latent is clipped to (default 1)")->check(CLI::PositiveNumber)->group(dpg);
  cmd->add_option("--generator-size", o->generator_size, "generate: encoder input side in pixels (default 256)")->check(CLI::Range(8, 4096))->group(dpg);
  cmd->add_option("--dp-m", o->dp_m, "dp-pixelate: pixels neighbouring images may differ in (default 16)")->check(CLI::Range(1, 1 << 30))->group(dpg);
  auto* keep_md = cmd->add_flag("--keep-metadata", o->keep_metadata,
                                "keep EXIF minus thumbnails, maker notes, GPS and personal tags (default: stripped)");
  cmd->add_option("--keep-tag", o->keep_tags, "with --keep-metadata, also keep: gps, author, serial, comment")
      ->check(CLI::IsMember(exif_keep_groups()))->needs(keep_md);
  cmd->add_flag("--in-place", o->in_place, "replace the input files");
  cmd->add_flag("-f,--force", o->force, "overwrite existing output files");
  cmd->add_option("-j,--jobs", o->jobs, "parallel workers (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_option("--quality", o->quality, "JPEG quality (default 95)")->check(CLI::Range(1, 100));
  auto* video = "Video";
  cmd->add_option("--camera", o->camera, "live camera index (e.g. 0) instead of an input file")->group(video);
  cmd->add_option("--detect-every", o->detect_every, "run the detector every N frames, track between (default 2)")
      ->check(CLI::Range(1, 1000))->group(video);
  cmd->add_option("--hold", o->hold, "keep a lost box this many frames (default 15)")->check(CLI::Range(0, 10000))->group(video);
  cmd->add_option("--extend-back", o->extend_back, "also protect N frames before a face is first detected (default: detect-every - 1)")
      ->check(CLI::Range(0, 1000))->group(video);
  cmd->add_option("--max-buffer-mb", o->max_buffer_mb, "video: memory for buffered frames, MiB (default 4096)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))->group(video);
  cmd->add_flag("--stats", o->stats, "video: print where the time went (decode, detect, track, protect, encode)")->group(video);
  cmd->add_flag("--drop-audio", o->drop_audio, "do not copy audio streams")->group(video);
  cmd->add_option("--max-frames", o->max_frames, "stop after N frames (live input)")->check(CLI::Range(1, 1 << 30))->group(video);
  cmd->add_option("--crf", o->crf, "H.264 quality, lower is better (default 20)")->check(CLI::Range(0, 51))->group(video);
  cmd->add_option("--preset", o->preset, "x264 preset (default veryfast)")->group(video);
  cmd->add_option("--codec", o->codec, "auto, h264, mpeg4 or ffv1 (lossless)")->check(CLI::IsMember({"auto", "h264", "mpeg4", "ffv1"}))->group(video);
  cmd->add_option("--key", o->key, "seal/sisa: keyset file (its primary key seals); paper schemes: scheme key file (`shroud keygen --scheme NAME -o FILE`)");
  cmd->add_option("--recipient", o->recipient, "seal: recipient public key file (only the key holder can recover)");
  cmd->add_option("--placeholder", o->placeholder, "seal: what is shown over sealed regions: fill (default), blur, pixelate, noise");
  cmd->add_flag("--sidecar", o->sidecar, "seal/schemes: write the container or record to OUTPUT.shroud instead of inside the image");
  auto* sg = "Paper schemes (docs/schemes.md)";
  cmd->add_flag("--whole-frame", o->whole_frame, "block-scramble, pbe, perceptual: protect the whole image, no detection")->group(sg);
  cmd->add_option("--level", o->level, "sisa, sisa-paper: security level 1..LEVELS (share of the image: 30% .. 100%; default 3)")
      ->check(CLI::Range(1, 100))->group(sg);
  cmd->add_option("--levels", o->levels, "sisa, sisa-paper: number of levels L (default 5)")->check(CLI::Range(1, 100))->group(sg);
  cmd->add_option("--encrypt-from", o->encrypt_from, "sisa, sisa-paper: levels >= this encrypt, lower ones blur (default 3)")
      ->check(CLI::Range(1, 101))->group(sg);
  cmd->add_option("--jpeg-path", o->jpeg_path,
                  "JPEG in and out: auto (coefficients when possible, default), coeff (fail otherwise), pixel (decode + re-encode)")
      ->check(CLI::IsMember({"auto", "coeff", "pixel"}));
  cmd->add_flag("--detached", o->detached, "seal: do not bind to the carrier pixels (for pipelines that re-encode)");
  cmd->add_option("--track", o->track, "seal, video: recovery track file (default OUTPUT.shroudv)");
  cmd->callback([&g, o] {
    if (o->inputs.empty() && o->camera.empty()) {
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
