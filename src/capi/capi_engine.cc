#include "capi/capi_engine.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <utility>

#include "shroud/container.h"
#include "shroud/keys.h"
#include "shroud/protector.h"
#include "shroud/registry.h"

#ifndef SHROUD_INSTALL_DATADIR
#define SHROUD_INSTALL_DATADIR "/usr/local/share/shroud"
#endif
#ifndef SHROUD_SOURCE_DIR
#define SHROUD_SOURCE_DIR "."
#endif

namespace shroud::capi {
namespace {

using nlohmann::json;

Error bad(const std::string& message) { return make_error(ErrorCode::kInvalidArgument, "options: " + message); }

Result<std::string> get_string(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_string()) return bad(std::string("\"") + key + "\" must be a string");
  return v.get<std::string>();
}

Result<double> get_number(const json& j, const char* key, double lo, double hi) {
  const json& v = j.at(key);
  if (!v.is_number()) return bad(std::string("\"") + key + "\" must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    return bad(std::string("\"") + key + "\" must be in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
  }
  return d;
}

// The methods this API serves: every irreversible protector and the seal (paper schemes, whose
// output may change the image size, are not served: docs/c-api.md).
Status check_method(const std::string& m) {
  if (m == "seal") return ok_status();
  auto prot = create_protector(m);
  if (!prot.ok()) {
    return make_error(prot.error().code, "options: method \"" + m + "\": " + prot.error().message +
                                             " (the C API serves blur, pixelate, fill, dp-pixelate, dp-plate, "
                                             "generate and seal)");
  }
  return ok_status();
}

// A policy given by name ("strict") is looked up among the installed presets, then in the
// source tree's policies/ (a build that is not installed).
std::string resolve_policy_path(const std::string& name) {
  std::error_code ec;
  if (std::filesystem::exists(name, ec) || name.find('/') != std::string::npos) return name;
  for (const auto& dir : {std::filesystem::path(SHROUD_INSTALL_DATADIR) / "policies",
                          std::filesystem::path(SHROUD_SOURCE_DIR) / "policies"}) {
    const auto preset = dir / (name + ".json");
    if (std::filesystem::is_regular_file(preset, ec)) return preset.string();
  }
  return name;
}

}  // namespace

Result<CapiOptions> parse_engine_options(std::string_view text) {
  CapiOptions c;
  EngineOptions& o = c.engine;
  json j = text.empty() ? json::object() : json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return bad("not valid JSON");
  if (!j.is_object()) return bad("must be a JSON object");
  static const char* const kKeys[] = {"detector", "models", "threshold", "detect_size", "policy", "method",
                                      "kinds", "keyset", "recipient", "placeholder", "binding", "format",
                                      "jpeg_quality", "max_pixels"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : kKeys) known = known || it.key() == k;
    if (!known) return bad("unknown key \"" + it.key() + "\" (see docs/c-api.md)");
  }
  if (j.contains("detector")) {
    SHROUD_ASSIGN_OR_RETURN(o.detector, get_string(j, "detector"));
  }
  if (j.contains("models")) {
    SHROUD_ASSIGN_OR_RETURN(o.models_dir, get_string(j, "models"));
  }
  if (j.contains("threshold")) {
    SHROUD_ASSIGN_OR_RETURN(double t, get_number(j, "threshold", 0.0, 1.0));
    o.threshold = static_cast<float>(t);
  }
  if (j.contains("detect_size")) {
    SHROUD_ASSIGN_OR_RETURN(double d, get_number(j, "detect_size", 32, 16384));
    o.detect_size = static_cast<int>(d);
  }
  if (j.contains("policy")) {
    const json& p = j.at("policy");
    if (p.is_object()) {
      o.policy = p;
    } else if (p.is_string()) {
      o.policy_file = resolve_policy_path(p.get<std::string>());
    } else {
      return bad("\"policy\" must be a policy object or a file path");
    }
  }
  if (j.contains("method")) {
    SHROUD_ASSIGN_OR_RETURN(o.method, get_string(j, "method"));
    SHROUD_RETURN_IF_ERROR(check_method(o.method));
  }
  if (j.contains("kinds")) {
    const json& k = j.at("kinds");
    if (!k.is_array() || k.empty()) return bad("\"kinds\" must be a non-empty array of kind names");
    for (const json& name : k) {
      if (!name.is_string()) return bad("\"kinds\" must be a non-empty array of kind names");
      if (auto kind = parse_kind(name.get<std::string>()); !kind.ok()) return kind.error();
      o.kinds.push_back(name.get<std::string>());
    }
  }
  if (j.contains("keyset")) {
    SHROUD_ASSIGN_OR_RETURN(c.keyset_path, get_string(j, "keyset"));
  }
  if (j.contains("recipient")) {
    SHROUD_ASSIGN_OR_RETURN(c.recipient_path, get_string(j, "recipient"));
  }
  if (j.contains("placeholder")) {
    SHROUD_ASSIGN_OR_RETURN(o.placeholder, get_string(j, "placeholder"));
    if (auto ph = parse_placeholder(o.placeholder); !ph.ok()) return ph.error();
  }
  if (j.contains("binding")) {
    SHROUD_ASSIGN_OR_RETURN(std::string name, get_string(j, "binding"));
    if (name == "pixels") o.detached = false;
    else if (name == "detached") o.detached = true;
    else return bad("\"binding\" must be \"pixels\" or \"detached\"");
  }
  if (j.contains("format")) {
    SHROUD_ASSIGN_OR_RETURN(c.format, get_string(j, "format"));
    static const char* const kFormats[] = {"same", "png", "jpeg", "bmp", "tiff", "webp"};
    bool known = false;
    for (const char* f : kFormats) known = known || c.format == f;
    if (!known) return bad("\"format\" must be same, png, jpeg, bmp, tiff or webp");
  }
  if (j.contains("jpeg_quality")) {
    SHROUD_ASSIGN_OR_RETURN(double q, get_number(j, "jpeg_quality", 1, 100));
    o.quality = static_cast<int>(q);
  }
  if (j.contains("max_pixels")) {
    // Capped so that width * 4 channels always fits an int (OpenCV's column count).
    SHROUD_ASSIGN_OR_RETURN(double m, get_number(j, "max_pixels", 1, 500'000'000));
    o.max_pixels = static_cast<std::int64_t>(m);
    c.limits.max_pixels = o.max_pixels;
  }
  // The effective policy now (file or object, overrides, every method name), so its errors
  // are option errors; a policy file may name methods per kind, which must be served too.
  auto policy = Engine::effective_policy(o);
  if (!policy.ok()) return make_error(policy.error().code, "options: " + policy.error().message);
  for (const auto& [kind, m] : policy->method_by_kind) SHROUD_RETURN_IF_ERROR(check_method(m));
  SHROUD_RETURN_IF_ERROR(check_method(policy->method));
  return c;
}

Result<std::unique_ptr<CapiEngine>> CapiEngine::create(std::string_view options_json) {
  SHROUD_ASSIGN_OR_RETURN(CapiOptions options, parse_engine_options(options_json));
  SHROUD_ASSIGN_OR_RETURN(Policy policy, Engine::effective_policy(options.engine));
  bool seals = policy.method == "seal";
  for (const auto& [kind, m] : policy.method_by_kind) seals = seals || m == "seal";
  if (!options.keyset_path.empty() && !options.recipient_path.empty()) {
    return bad("give one key source: \"keyset\" or \"recipient\", not both");
  }
  if (seals && options.keyset_path.empty() && options.recipient_path.empty()) {
    return bad("method seal needs \"keyset\" (a keyset file) or \"recipient\" (a public key file)");
  }
  if (!options.recipient_path.empty() && !seals) return bad("\"recipient\" only applies to method seal");
  EngineKeys keys;
  if (!options.keyset_path.empty()) {
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(options.keyset_path));
    keys.keyset = std::make_shared<const Keyset>(std::move(ks));
  }
  if (!options.recipient_path.empty()) {
    SHROUD_ASSIGN_OR_RETURN(keys.recipient, load_recipient_key(options.recipient_path));
  }
  // The protect engine gets the keys only when it seals; the keyset also serves recovery.
  auto protect = Engine::create(options.engine, seals ? keys : EngineKeys{});
  if (!protect.ok()) return protect.error();
  std::optional<Engine> recover;
  if (keys.keyset) {
    EngineOptions ro;
    ro.mode = EngineOptions::Mode::kRecover;
    ro.max_pixels = options.engine.max_pixels;
    SHROUD_ASSIGN_OR_RETURN(Engine r, Engine::create(ro, EngineKeys{keys.keyset, std::nullopt}));
    recover.emplace(std::move(r));
  }
  return std::unique_ptr<CapiEngine>(new CapiEngine(std::move(options), std::move(*protect), std::move(recover)));
}

Result<const Engine*> CapiEngine::recoverer() const {
  if (!recover_) return bad("recovery needs \"keyset\" (a recipient public key cannot open anything)");
  return &*recover_;
}

Result<std::vector<Region>> CapiEngine::detect(const cv::Mat& image) const { return protect_.detect(image); }

namespace {

// The report's actions with their container indices (sealed) or positions (the others).
std::vector<ProtectedRegion> protected_regions(const FrameReport& rep) {
  std::vector<ProtectedRegion> out;
  out.reserve(rep.actions.size());
  for (std::size_t i = 0; i < rep.actions.size(); ++i) {
    const std::int32_t sealed = i < rep.container_index.size() ? rep.container_index[i] : -1;
    out.push_back({rep.actions[i], sealed >= 0 ? static_cast<std::uint32_t>(sealed) : static_cast<std::uint32_t>(i)});
  }
  return out;
}

}  // namespace

Result<ProtectedFrame> CapiEngine::protect(cv::Mat& image) const {
  SHROUD_RETURN_IF_ERROR(check_supported_image(image));
  SHROUD_ASSIGN_OR_RETURN(FrameReport rep, protect_.protect_frame(image));
  ProtectedFrame out;
  out.regions = protected_regions(rep);
  out.container = std::move(rep.container);
  return out;
}

Status CapiEngine::recover(cv::Mat& image, std::span<const std::uint8_t> container) const {
  SHROUD_ASSIGN_OR_RETURN(const Engine* r, recoverer());
  return r->recover_frame(image, container);
}

Result<ProtectedFile> CapiEngine::protect_encoded(std::span<const std::uint8_t> file, bool sidecar) const {
  std::string format = options_.format;
  if (format == "same") {  // JPEG stays JPEG, everything else becomes PNG
    format = file.size() >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF ? "jpeg" : "png";
  }
  SHROUD_ASSIGN_OR_RETURN(EncodedOutput enc, protect_.protect_encoded(file, format, "", sidecar));
  ProtectedFile out;
  out.regions = protected_regions(enc.report);
  out.image = std::move(enc.image);
  out.container = std::move(enc.sidecar);
  return out;
}

Result<std::vector<std::uint8_t>> CapiEngine::recover_encoded(std::span<const std::uint8_t> file,
                                                              std::optional<std::span<const std::uint8_t>> sidecar) const {
  SHROUD_ASSIGN_OR_RETURN(const Engine* r, recoverer());
  std::optional<std::vector<std::uint8_t>> side;
  if (sidecar) side.emplace(sidecar->begin(), sidecar->end());
  SHROUD_ASSIGN_OR_RETURN(RecoverReport rep, r->recover_encoded(file, side, "png"));
  return std::move(rep.image);
}

}  // namespace shroud::capi
