// Engine::create: every option validated, keys loaded and a detector made before any work
// (the checks the CLI's protect command made, in the same order and with the same messages).
#include <filesystem>

#include "engine/engine_impl.h"
#include "shroud/image_io.h"
#include "shroud/models.h"
#include "shroud/provenance.h"
#include "shroud/protector.h"
#include "shroud/registry.h"
#include "shroud/frame.h"
#include "shroud/video_io.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

using engine::SchemeChoice;
using engine::SchemeRun;
using engine::SealKeys;

bool uses_seal(const Policy& p) {
  if (p.method == "seal") return true;
  for (const auto& [k, m] : p.method_by_kind) {
    if (m == "seal") return true;
  }
  return false;
}

Result<SealKeys> load_seal_keys(const EngineOptions& o, const EngineKeys& memory) {
  SealKeys keys;
  SHROUD_ASSIGN_OR_RETURN(keys.placeholder, parse_placeholder(o.placeholder));
  if (!memory.empty()) {
    if (memory.keyset && memory.recipient) {
      return make_error(ErrorCode::kInvalidArgument, "seal needs one key source: a keyset or a recipient key, not both");
    }
    keys.keyset = memory.keyset;
    keys.recipient = memory.recipient;
    return keys;
  }
  if (o.key.empty() == o.recipient.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--method seal needs exactly one of --keyset KEYSET or --recipient PUBFILE");
  }
  if (!o.key.empty()) {
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o.key));
    keys.keyset = std::make_shared<const Keyset>(std::move(ks));
  } else {
    SHROUD_ASSIGN_OR_RETURN(RecipientKey rk, load_recipient_key(o.recipient));
    keys.recipient = rk;
  }
  return keys;
}

// The policy: file or inline JSON, then the overrides; every method name checked.
Result<Policy> build_policy(const EngineOptions& o, const std::string& method) {
  Policy p;
  if (!o.policy_file.empty() && o.policy) {
    return make_error(ErrorCode::kInvalidArgument, "options: give policy_file or policy, not both");
  }
  if (!o.policy_file.empty()) {
    SHROUD_ASSIGN_OR_RETURN(p, load_policy(o.policy_file));
  } else if (o.policy) {
    auto parsed = parse_policy_json(o.policy->dump());
    if (!parsed.ok()) return make_error(parsed.error().code, "options.policy: " + parsed.error().message);
    p = std::move(*parsed);
  }
  if (!method.empty()) {
    p.method = method;
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
  if (o.mask_scale) p.mask_scale = *o.mask_scale;
  if (!o.shape.empty()) {
    SHROUD_ASSIGN_OR_RETURN(p.shape, parse_shape(o.shape));
  }
  if (o.feather) p.feather = *o.feather;
  if (o.cells) p.params.pixel_cells = *o.cells;
  if (o.strength) p.params.blur_strength = *o.strength;
  if (!o.color.empty()) {
    if (o.color.size() != 3) return make_error(ErrorCode::kInvalidArgument, "--color takes B,G,R");
    p.params.fill_color = cv::Scalar(o.color[0], o.color[1], o.color[2], 0);
  }
  if (o.epsilon) p.params.epsilon = *o.epsilon;
  if (!o.mechanism.empty()) p.params.mechanism = o.mechanism;
  if (!o.plate_style.empty()) p.params.plate_style = o.plate_style;
  if (o.dp_cell) p.params.dp_cell = *o.dp_cell;
  if (o.dp_m) p.params.dp_m = *o.dp_m;
  if (!o.encoder.empty() || !o.generator.empty()) {
    // Model files by path, or by name through the model search path.
    const ModelLocator models(o.models_dir);
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
  if (o.latent_clip) p.params.latent_clip = *o.latent_clip;
  if (o.generator_size) p.params.generator_size = *o.generator_size;
  if (!o.ksame_gallery.empty()) p.params.ksame_gallery = o.ksame_gallery;
  if (o.ksame_k) p.params.ksame_k = *o.ksame_k;
  SHROUD_RETURN_IF_ERROR(validate_policy(p));
  // Validate every method name now, before any file is touched.
  std::vector<std::string> methods = {p.method};
  for (const auto& [k, m] : p.method_by_kind) methods.push_back(m);
  for (const auto& m : methods) {
    if (m == "seal") continue;  // needs keys; checked by load_seal_keys()
    auto prot = create_protector(m);
    if (!prot.ok()) return prot.error();
  }
  return p;
}

// Loads what a paper scheme needs and checks the option combinations.
Result<SchemeRun> prepare_scheme(const SchemeChoice& choice, const EngineOptions& o) {
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
    return make_error(ErrorCode::kInvalidArgument, "--method " + choice.name + " needs --scheme-key KEYFILE; create one with `shroud keygen --scheme " +
                                                       choice.name + " -o KEYFILE`");
  }
  SHROUD_ASSIGN_OR_RETURN(run.key, engine::load_scheme_key_file(o.key));
  if (run.key->method != *choice.method) {
    return make_error(ErrorCode::kInvalidArgument, "'" + o.key + "' is a " + schemes::scheme_method_name(run.key->method) +
                                                       " key file, not " + choice.name);
  }
  return run;
}

// Signed provenance keys: from the options' files or from memory, not both.
Status load_provenance_keys(Engine::Impl& impl) {
  const EngineOptions& o = impl.options;
  const EngineKeys& m = impl.memory_keys;
  if ((m.signer && !o.signer.empty()) || (!m.trusted_signers.empty() && !o.trusted_signers.empty())) {
    return make_error(ErrorCode::kInvalidArgument, "options.signer/trusted_signers and in-memory signer keys given: use one");
  }
  impl.signer = m.signer;
  impl.trusted_signers = m.trusted_signers;
  if (!o.signer.empty()) {
    SHROUD_ASSIGN_OR_RETURN(SignerKey key, load_signer(o.signer));
    impl.signer = std::make_shared<const SignerKey>(std::move(key));
  }
  if (!o.trusted_signers.empty()) {
    SHROUD_ASSIGN_OR_RETURN(impl.trusted_signers, load_trusted_signers(o.trusted_signers));
  }
  if (o.require_signed && impl.trusted_signers.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--require-signed needs --trusted SIGNERS (the signer keys to accept)");
  }
  return ok_status();
}

}  // namespace

Result<Engine> Engine::create(EngineOptions options) { return create(std::move(options), EngineKeys{}); }

Result<Policy> Engine::effective_policy(const EngineOptions& o) {
  const std::optional<SchemeChoice> choice = engine::scheme_choice(o.method);
  return build_policy(o, choice ? std::string("fill") : o.method);
}

Result<Engine> Engine::create(EngineOptions options, EngineKeys keys) {
  SHROUD_RETURN_IF_ERROR(engine::validate_ranges(options));
  if (!keys.empty() && (!options.key.empty() || !options.recipient.empty())) {
    return make_error(ErrorCode::kInvalidArgument, "options.key/options.recipient and in-memory keys given: use one");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->memory_keys = std::move(keys);
  const EngineOptions& o = impl->options;
  SHROUD_RETURN_IF_ERROR(load_provenance_keys(*impl));
  if (o.mode == EngineOptions::Mode::kRecover) {
    if (impl->memory_keys.recipient) {
      return make_error(ErrorCode::kInvalidArgument, "a recipient public key cannot recover; give the keyset");
    }
    if (impl->signer) return make_error(ErrorCode::kInvalidArgument, "--signer is for protect; recover and verify take --trusted");
    return Engine(std::move(impl));
  }
  if (o.require_signed || o.allow_unsigned) {
    return make_error(ErrorCode::kInvalidArgument, "--require-signed/--allow-unsigned apply to recover");
  }

  const std::optional<SchemeChoice> choice = engine::scheme_choice(o.method);
  // Schemes use the policy for kinds and box scaling only.
  SHROUD_ASSIGN_OR_RETURN(impl->policy, build_policy(o, choice ? std::string("fill") : o.method));
  if (!choice && o.whole_frame) {
    return make_error(ErrorCode::kInvalidArgument, "--whole-frame applies to block-scramble, pbe and perceptual only");
  }
  if (choice) {
    SHROUD_ASSIGN_OR_RETURN(SchemeRun run, prepare_scheme(*choice, o));
    impl->scheme.emplace(std::move(run));
  }
  if (impl->scheme && !impl->scheme->choice.sisa_seal()) {
    // key loaded by prepare_scheme
  } else if (uses_seal(impl->policy) || impl->scheme) {
    SHROUD_ASSIGN_OR_RETURN(SealKeys keys, load_seal_keys(o, impl->memory_keys));
    impl->seal.emplace(std::move(keys));
  } else if (!o.key.empty() || !o.recipient.empty() || !impl->memory_keys.empty() || o.sidecar || o.detached) {
    return make_error(ErrorCode::kInvalidArgument, "--key/--recipient/--sidecar/--detached only apply to --method seal");
  }
  if (impl->signer && !impl->seal) {
    return make_error(ErrorCode::kInvalidArgument, "--signer applies to --method seal and sisa (signed containers)");
  }
  if (!o.track.empty() && !(impl->seal && !impl->scheme)) {
    return make_error(ErrorCode::kInvalidArgument, "--track only applies to --method seal");
  }
  // Fail early on a bad detector spec or missing model, before any work.
  if (!o.whole_frame) {
    impl->detector_spec = o.detector;
    if (impl->detector_spec.empty()) {
      std::string warning;
      impl->detector_spec = default_detector_spec(ModelLocator(o.models_dir), &warning, impl->policy.kinds);
      if (!warning.empty()) impl->warnings.push_back(warning);
    }
  }
  SHROUD_ASSIGN_OR_RETURN(auto probe, impl->new_detector());
  if (impl->signer) {
    // Signed provenance names the exact models: BLAKE2b of each file the detector loaded.
    for (const auto& file : probe->model_files()) {
      SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(file, std::int64_t{1} << 30));
      impl->model_hashes.push_back({{"file", std::filesystem::path(file).filename().string()}, {"blake2b", bytes_blake2b_hex(bytes)}});
    }
  }
  impl->pool.push_back(std::move(probe));
  if (impl->scheme) impl->warnings.push_back(engine::scheme_warning(impl->scheme->choice));
  return Engine(std::move(impl));
}

Result<std::shared_ptr<const Keyset>> Engine::Impl::recovery_keyset() const {
  if (memory_keys.keyset) return memory_keys.keyset;
  SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(options.key));
  return std::make_shared<const Keyset>(std::move(ks));
}

Result<std::unique_ptr<Detector>> Engine::Impl::new_detector() const {
  if (options.whole_frame) return engine::make_null_detector();
  DetectorOptions opts;
  opts.models = ModelLocator(options.models_dir);
  opts.score_threshold = options.threshold;
  opts.detect_size = options.detect_size;
  opts.allow_unlisted = options.allow_unlisted;
  return create_detector(detector_spec, opts);
}

Result<Engine::Impl::Lease> Engine::Impl::borrow() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!pool.empty()) {
      auto d = std::move(pool.back());
      pool.pop_back();
      return Lease(this, std::move(d));
    }
  }
  SHROUD_ASSIGN_OR_RETURN(auto d, new_detector());
  return Lease(this, std::move(d));
}

Engine::Impl::Lease::~Lease() {
  if (!d_) return;
  std::lock_guard<std::mutex> lock(impl_->pool_mutex);
  impl_->pool.push_back(std::move(d_));
}

EncodeOptions Engine::Impl::encode_options(const LoadedImage& img) const {
  EncodeOptions enc;
  enc.jpeg_quality = options.quality;
  if (options.keep_metadata) enc.exif = img.exif;
  enc.keep_exif = options.keep_tags;
  return enc;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

const EngineOptions& Engine::options() const { return impl_->options; }
const Policy& Engine::policy() const { return impl_->policy; }
const std::vector<std::string>& Engine::warnings() const { return impl_->warnings; }
bool Engine::seals() const { return impl_->seal.has_value(); }
bool Engine::scheme() const { return impl_->scheme && !impl_->scheme->choice.sisa_seal(); }

Result<std::vector<Region>> Engine::detect(const cv::Mat& image) const {
  SHROUD_ASSIGN_OR_RETURN(auto det, impl_->borrow());
  Frame frame{image, 0, 0.0, ""};
  return (*det).detect(frame);
}

bool is_video_input(const std::string& input) {
  return input == "-" || input.find("://") != std::string::npos || is_video_path(input);
}

}  // namespace shroud
