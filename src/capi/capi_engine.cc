#include "capi/capi_engine.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <utility>

#include "shroud/container.h"
#include "shroud/pipeline.h"
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

bool policy_seals(const Policy& p) {
  if (p.method == "seal") return true;
  for (const auto& [kind, method] : p.method_by_kind) {
    if (method == "seal") return true;
  }
  return false;
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

Result<EngineOptions> parse_engine_options(std::string_view text) {
  EngineOptions o;
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
    SHROUD_ASSIGN_OR_RETURN(std::string dir, get_string(j, "models"));
    o.detect.models = ModelLocator(dir);
  }
  if (j.contains("threshold")) {
    SHROUD_ASSIGN_OR_RETURN(double t, get_number(j, "threshold", 0.0, 1.0));
    o.detect.score_threshold = static_cast<float>(t);
  }
  if (j.contains("detect_size")) {
    SHROUD_ASSIGN_OR_RETURN(double d, get_number(j, "detect_size", 32, 16384));
    o.detect.detect_size = static_cast<int>(d);
  }
  if (j.contains("policy")) {
    const json& p = j.at("policy");
    if (p.is_object()) {
      SHROUD_ASSIGN_OR_RETURN(o.policy, parse_policy_json(p.dump()));
    } else if (p.is_string()) {
      SHROUD_ASSIGN_OR_RETURN(o.policy, load_policy(resolve_policy_path(p.get<std::string>())));
    } else {
      return bad("\"policy\" must be a policy object or a file path");
    }
  }
  if (j.contains("method")) {
    SHROUD_ASSIGN_OR_RETURN(o.policy.method, get_string(j, "method"));
    o.policy.method_by_kind.clear();
  }
  if (j.contains("kinds")) {
    const json& k = j.at("kinds");
    if (!k.is_array() || k.empty()) return bad("\"kinds\" must be a non-empty array of kind names");
    o.policy.kinds.clear();
    for (const json& name : k) {
      if (!name.is_string()) return bad("\"kinds\" must be a non-empty array of kind names");
      SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(name.get<std::string>()));
      o.policy.kinds.insert(kind);
    }
  }
  if (j.contains("keyset")) {
    SHROUD_ASSIGN_OR_RETURN(o.keyset_path, get_string(j, "keyset"));
  }
  if (j.contains("recipient")) {
    SHROUD_ASSIGN_OR_RETURN(o.recipient_path, get_string(j, "recipient"));
  }
  if (j.contains("placeholder")) {
    SHROUD_ASSIGN_OR_RETURN(std::string name, get_string(j, "placeholder"));
    SHROUD_ASSIGN_OR_RETURN(o.seal.placeholder, parse_placeholder(name));
  }
  if (j.contains("binding")) {
    SHROUD_ASSIGN_OR_RETURN(std::string name, get_string(j, "binding"));
    if (name == "pixels") o.seal.binding = CarrierBinding::kPixels;
    else if (name == "detached") o.seal.binding = CarrierBinding::kDetached;
    else return bad("\"binding\" must be \"pixels\" or \"detached\"");
  }
  if (j.contains("format")) {
    SHROUD_ASSIGN_OR_RETURN(o.format, get_string(j, "format"));
    static const char* const kFormats[] = {"same", "png", "jpeg", "bmp", "tiff", "webp"};
    bool known = false;
    for (const char* f : kFormats) known = known || o.format == f;
    if (!known) return bad("\"format\" must be same, png, jpeg, bmp, tiff or webp");
  }
  if (j.contains("jpeg_quality")) {
    SHROUD_ASSIGN_OR_RETURN(double q, get_number(j, "jpeg_quality", 1, 100));
    o.encode.jpeg_quality = static_cast<int>(q);
  }
  if (j.contains("max_pixels")) {
    // Capped so that width * 4 channels always fits an int (OpenCV's column count).
    SHROUD_ASSIGN_OR_RETURN(double m, get_number(j, "max_pixels", 1, 500'000'000));
    o.limits.max_pixels = static_cast<std::int64_t>(m);
  }
  SHROUD_RETURN_IF_ERROR(validate_policy(o.policy));
  // Every method name now, as the CLI does; paper schemes are not served by this API.
  std::vector<std::string> methods = {o.policy.method};
  for (const auto& [kind, m] : o.policy.method_by_kind) methods.push_back(m);
  for (const auto& m : methods) {
    if (m == "seal") continue;
    auto prot = create_protector(m);
    if (!prot.ok()) {
      return make_error(prot.error().code, "options: method \"" + m + "\": " + prot.error().message +
                                               " (the C API serves blur, pixelate, fill, dp-pixelate, dp-plate, "
                                               "generate and seal)");
    }
  }
  return o;
}

Result<std::unique_ptr<CapiEngine>> CapiEngine::create(std::string_view options_json) {
  SHROUD_ASSIGN_OR_RETURN(EngineOptions options, parse_engine_options(options_json));
  std::unique_ptr<CapiEngine> e(new CapiEngine(std::move(options)));
  const EngineOptions& o = e->options_;
  e->seals_ = policy_seals(o.policy);
  if (!o.keyset_path.empty() && !o.recipient_path.empty()) {
    return bad("give one key source: \"keyset\" or \"recipient\", not both");
  }
  if (e->seals_ && o.keyset_path.empty() && o.recipient_path.empty()) {
    return bad("method seal needs \"keyset\" (a keyset file) or \"recipient\" (a public key file)");
  }
  if (!o.recipient_path.empty() && !e->seals_) return bad("\"recipient\" only applies to method seal");
  if (!o.keyset_path.empty()) {
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o.keyset_path));
    e->keyset_.emplace(std::move(ks));
  }
  if (!o.recipient_path.empty()) {
    SHROUD_ASSIGN_OR_RETURN(e->recipient_, load_recipient_key(o.recipient_path));
  }
  e->spec_ = o.detector;
  if (e->spec_.empty()) {
    std::string warning;  // Haar fallback: the C API has no log; the spec chosen is documented
    e->spec_ = default_detector_spec(o.detect.models, &warning);
  }
  // Load one detector now, so a bad spec or a missing model fails here and not on first use.
  SHROUD_ASSIGN_OR_RETURN(auto detector, create_detector(e->spec_, o.detect));
  e->pool_.push_back(std::move(detector));
  return e;
}

Result<std::unique_ptr<Detector>> CapiEngine::acquire_detector() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      auto d = std::move(pool_.back());
      pool_.pop_back();
      return d;
    }
  }
  return create_detector(spec_, options_.detect);  // a concurrent call: one more detector
}

void CapiEngine::release_detector(std::unique_ptr<Detector> detector) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(detector));
}

Result<std::vector<Region>> CapiEngine::detect(const cv::Mat& image) {
  SHROUD_ASSIGN_OR_RETURN(auto detector, acquire_detector());
  Frame frame{image, 0, 0.0, "buffer"};
  auto regions = detector->detect(frame);
  release_detector(std::move(detector));
  return regions;
}

Result<std::vector<Action>> CapiEngine::plan(const cv::Mat& image) {
  SHROUD_ASSIGN_OR_RETURN(std::vector<Region> regions, detect(image));
  return plan_actions(regions, image.size(), options_.policy);
}

KeySource CapiEngine::key_source() const {
  KeySource k;
  if (keyset_) k.keyset = &*keyset_;
  if (recipient_) k.recipient = &*recipient_;
  return k;
}

Result<const Keyset*> CapiEngine::recovery_keyset() const {
  if (!keyset_) return bad("recovery needs \"keyset\" (a recipient public key cannot open anything)");
  return &*keyset_;
}

Result<ProtectedFrame> CapiEngine::protect(cv::Mat& image) {
  SHROUD_RETURN_IF_ERROR(check_supported_image(image));
  SHROUD_ASSIGN_OR_RETURN(std::vector<Action> actions, plan(image));
  ProtectedFrame out;
  std::vector<Action> plain, sealed;
  for (const auto& a : actions) (a.method == "seal" ? sealed : plain).push_back(a);
  // Blur, pixelate and fill cannot fail on a checked image and planned rectangles (only by
  // running out of memory). When another method may fail half way (seal, the DP methods,
  // generate), the rectangles about to change are saved first (never the frame), so a failure
  // leaves the buffer as it was.
  bool may_fail = false;
  for (const auto& a : actions) may_fail = may_fail || !(a.method == "blur" || a.method == "pixelate" || a.method == "fill");
  std::vector<cv::Mat> saved;
  if (may_fail) {
    saved.reserve(actions.size());
    for (const auto& a : actions) saved.push_back(image(a.rect).clone());
  }
  auto restore = [&] {
    for (std::size_t i = saved.size(); i-- > 0;) saved[i].copyTo(image(actions[i].rect));
  };
  Status s = apply_actions(image, plain);
  if (!s.ok()) {
    restore();
    return s.error();
  }
  // Irreversible actions first, then the sealed ones (the seal captures pixels as they are).
  for (const auto& a : plain) out.regions.push_back({a, static_cast<std::uint32_t>(out.regions.size())});
  if (!sealed.empty()) {
    auto result = seal_regions(image, sealed, options_.seal, key_source());
    if (!result.ok()) {
      restore();
      return result.error();
    }
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      const std::uint32_t index = i < result->regions.size() ? result->regions[i].index : static_cast<std::uint32_t>(i);
      out.regions.push_back({sealed[i], index});
    }
    out.container = std::move(result->container);
  }
  return out;
}

Status CapiEngine::recover(cv::Mat& image, std::span<const std::uint8_t> container) {
  SHROUD_ASSIGN_OR_RETURN(const Keyset* keyset, recovery_keyset());
  SHROUD_ASSIGN_OR_RETURN(RecoveredImage rec, recover_regions(image, container, *keyset));
  if (rec.image.size() != image.size() || rec.image.type() != image.type()) {
    return make_error(ErrorCode::kInternal, "recovered image does not match the buffer");
  }
  rec.image.copyTo(image);  // same size and type: written into the caller's buffer
  return ok_status();
}

Result<ProtectedFile> CapiEngine::protect_encoded(std::span<const std::uint8_t> file, bool sidecar) {
  const std::vector<std::uint8_t> bytes(file.begin(), file.end());
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img, decode_image(bytes, options_.limits));
  std::string format = options_.format;
  if (format == "same") format = img.format == "jpeg" ? "jpeg" : "png";
  SHROUD_ASSIGN_OR_RETURN(std::vector<Action> actions, plan(img.pixels));
  std::vector<Action> plain, sealed;
  for (const auto& a : actions) (a.method == "seal" ? sealed : plain).push_back(a);
  SHROUD_RETURN_IF_ERROR(apply_actions(img.pixels, plain));
  ProtectedFile out;
  for (const auto& a : plain) out.regions.push_back({a, static_cast<std::uint32_t>(out.regions.size())});
  if (sealed.empty()) {
    SHROUD_ASSIGN_OR_RETURN(out.image, encode_image(img.pixels, format, options_.encode));
    return out;
  }
  SealFileOptions so;
  so.seal = options_.seal;
  so.seal.orientation = img.orientation;
  so.format = format;
  so.encode = options_.encode;
  so.sidecar = sidecar;
  SHROUD_ASSIGN_OR_RETURN(SealedFile sealed_file, seal_image_file(img.pixels, sealed, so, key_source()));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    const std::uint32_t index =
        i < sealed_file.regions.size() ? sealed_file.regions[i].index : static_cast<std::uint32_t>(i);
    out.regions.push_back({sealed[i], index});
  }
  out.image = std::move(sealed_file.image);
  out.container = std::move(sealed_file.sidecar);
  return out;
}

Result<std::vector<std::uint8_t>> CapiEngine::recover_encoded(std::span<const std::uint8_t> file,
                                                              std::optional<std::span<const std::uint8_t>> sidecar) {
  SHROUD_ASSIGN_OR_RETURN(const Keyset* keyset, recovery_keyset());
  std::optional<std::vector<std::uint8_t>> side;
  if (sidecar) side.emplace(sidecar->begin(), sidecar->end());
  SHROUD_ASSIGN_OR_RETURN(RecoveredImage rec, recover_image_file(file, side, *keyset));
  return encode_image(rec.image, "png");
}

}  // namespace shroud::capi
