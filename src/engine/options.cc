// EngineOptions: the JSON form (from_json / to_json) and the range checks shared with create().
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "engine/engine_impl.h"

namespace shroud {
namespace engine {
namespace {

Error field_error(const std::string& field, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, "options." + field + ": " + what);
}

template <typename T>
Status in_range(const std::string& field, T v, T lo, T hi) {
  if (v < lo || v > hi) return field_error(field, fmt::format("must be {}..{}, got {}", lo, hi, v));
  return ok_status();
}

}  // namespace

Status validate_ranges(const EngineOptions& o) {
  if (o.threshold >= 0) SHROUD_RETURN_IF_ERROR(in_range("threshold", o.threshold, 0.0f, 1.0f));
  if (o.detect_size != 0) SHROUD_RETURN_IF_ERROR(in_range("detect_size", o.detect_size, 32, 16384));
  if (o.mask_scale) SHROUD_RETURN_IF_ERROR(in_range("mask_scale", *o.mask_scale, 0.1, 10.0));
  if (o.feather) SHROUD_RETURN_IF_ERROR(in_range("feather", *o.feather, 0.0, 0.5));
  if (o.cells) SHROUD_RETURN_IF_ERROR(in_range("cells", *o.cells, 1, 1000));
  if (o.strength) SHROUD_RETURN_IF_ERROR(in_range("strength", *o.strength, 0.01, 4.0));
  if (o.dp_cell) SHROUD_RETURN_IF_ERROR(in_range("dp_cell", *o.dp_cell, 1, 4096));
  if (o.dp_m) SHROUD_RETURN_IF_ERROR(in_range("dp_m", *o.dp_m, 1, 1 << 30));
  if (o.latent_clip && !(*o.latent_clip > 0)) return field_error("latent_clip", "must be > 0");
  if (o.generator_size) SHROUD_RETURN_IF_ERROR(in_range("generator_size", *o.generator_size, 8, 4096));
  if (o.require_signed && o.allow_unsigned) return field_error("allow_unsigned", "cannot be combined with require_signed");
  if (o.ksame_k) SHROUD_RETURN_IF_ERROR(in_range("ksame_k", *o.ksame_k, 1, 10000));
  SHROUD_RETURN_IF_ERROR(in_range("level", o.level, 1, 100));
  SHROUD_RETURN_IF_ERROR(in_range("levels", o.levels, 1, 100));
  SHROUD_RETURN_IF_ERROR(in_range("encrypt_from", o.encrypt_from, 1, 101));
  SHROUD_RETURN_IF_ERROR(in_range("quality", o.quality, 1, 100));
  SHROUD_RETURN_IF_ERROR(in_range("jobs", o.jobs, 0, 256));
  SHROUD_RETURN_IF_ERROR(in_range("detect_every", o.detect_every, 1, 1000));
  SHROUD_RETURN_IF_ERROR(in_range("max_buffer_mb", o.max_buffer_mb, std::int64_t{1}, std::int64_t{1} << 30));
  // Capped so that width * 4 channels always fits an int (OpenCV's column count).
  SHROUD_RETURN_IF_ERROR(in_range("max_pixels", o.max_pixels, std::int64_t{0}, std::int64_t{500'000'000}));
  if (o.jpeg_path != "auto" && o.jpeg_path != "coeff" && o.jpeg_path != "pixel") {
    return make_error(ErrorCode::kInvalidArgument, "options.jpeg_path: must be auto, coeff or pixel, got '" + o.jpeg_path + "'");
  }
  if (!o.keep_tags.empty() && !o.keep_metadata) {
    return make_error(ErrorCode::kInvalidArgument, "options.keep_tags: needs keep_metadata");
  }
  for (const auto& t : o.keep_tags) {
    const auto groups = exif_keep_groups();
    if (std::find(groups.begin(), groups.end(), t) == groups.end()) {
      return make_error(ErrorCode::kInvalidArgument, "options.keep_tags: unknown group '" + t + "' (gps, author, serial, comment)");
    }
  }
  SHROUD_RETURN_IF_ERROR(in_range("hold", o.hold, 0, 10000));
  if (o.extend_back != -1) SHROUD_RETURN_IF_ERROR(in_range("extend_back", o.extend_back, 0, 1000));
  SHROUD_RETURN_IF_ERROR(in_range<std::int64_t>("max_frames", o.max_frames, 0, std::int64_t{1} << 30));
  SHROUD_RETURN_IF_ERROR(in_range("crf", o.crf, 0, 51));
  SHROUD_RETURN_IF_ERROR(in_range("track_format", o.track_format, 1, 3));
  if (o.codec != "auto" && o.codec != "h264" && o.codec != "mpeg4" && o.codec != "ffv1") {
    return field_error("codec", "must be auto, h264, mpeg4 or ffv1, got '" + o.codec + "'");
  }
  if (o.placeholder != "fill" && o.placeholder != "solid" && o.placeholder != "blur" && o.placeholder != "pixelate" &&
      o.placeholder != "noise") {
    return field_error("placeholder", "must be fill, blur, pixelate or noise, got '" + o.placeholder + "'");
  }
  if (!o.shape.empty() && o.shape != "rectangle" && o.shape != "ellipse") {
    return field_error("shape", "must be rectangle or ellipse, got '" + o.shape + "'");
  }
  return ok_status();
}

}  // namespace engine

namespace {

using json = nlohmann::json;
using Setter = std::function<Status(EngineOptions&, const json&, const std::string&)>;

Error type_error(const std::string& field, const char* want, const json& v) {
  return make_error(ErrorCode::kInvalidArgument,
                    "options." + field + ": must be " + want + ", got " + std::string(v.type_name()) + " " + v.dump());
}

Setter str(std::string EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status {
    if (!v.is_string()) return type_error(f, "a string", v);
    o.*m = v.get<std::string>();
    return ok_status();
  };
}
Setter boolean(bool EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status {
    if (!v.is_boolean()) return type_error(f, "true or false", v);
    o.*m = v.get<bool>();
    return ok_status();
  };
}
template <typename T>
Status get_int(const json& v, const std::string& f, T* out) {
  if (!v.is_number_integer()) return type_error(f, "an integer", v);
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                             : (v.get<std::int64_t>() < std::numeric_limits<T>::min() ||
                                v.get<std::int64_t>() > std::numeric_limits<T>::max())) {
    return type_error(f, "an integer in range", v);
  }
  *out = static_cast<T>(v.get<std::int64_t>());
  return ok_status();
}
template <typename T>
Setter integer(T EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status { return get_int(v, f, &(o.*m)); };
}
Setter opt_integer(std::optional<int> EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status {
    if (v.is_null()) { (o.*m).reset(); return ok_status(); }
    int x = 0;
    SHROUD_RETURN_IF_ERROR(get_int(v, f, &x));
    o.*m = x;
    return ok_status();
  };
}
Setter opt_number(std::optional<double> EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status {
    if (v.is_null()) { (o.*m).reset(); return ok_status(); }
    if (!v.is_number()) return type_error(f, "a number", v);
    o.*m = v.get<double>();
    return ok_status();
  };
}
Setter strings(std::vector<std::string> EngineOptions::*m) {
  return [m](EngineOptions& o, const json& v, const std::string& f) -> Status {
    if (!v.is_array()) return type_error(f, "an array of strings", v);
    (o.*m).clear();
    for (const auto& e : v) {
      if (!e.is_string()) return type_error(f, "an array of strings", v);
      (o.*m).push_back(e.get<std::string>());
    }
    return ok_status();
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> kSetters = {
      {"mode", [](EngineOptions& o, const json& v, const std::string& f) -> Status {
         if (v == "protect") o.mode = EngineOptions::Mode::kProtect;
         else if (v == "recover") o.mode = EngineOptions::Mode::kRecover;
         else return type_error(f, "\"protect\" or \"recover\"", v);
         return ok_status();
       }},
      {"detector", str(&EngineOptions::detector)},
      {"threshold", [](EngineOptions& o, const json& v, const std::string& f) -> Status {
         if (!v.is_number() || !(std::abs(v.get<double>()) <= 1e6)) return type_error(f, "a number", v);
         o.threshold = static_cast<float>(v.get<double>());
         return ok_status();
       }},
      {"detect_size", integer(&EngineOptions::detect_size)},
      {"models_dir", str(&EngineOptions::models_dir)},
      {"whole_frame", boolean(&EngineOptions::whole_frame)},
      {"policy_file", str(&EngineOptions::policy_file)},
      {"policy", [](EngineOptions& o, const json& v, const std::string& f) -> Status {
         if (v.is_null()) { o.policy.reset(); return ok_status(); }
         if (!v.is_object()) return type_error(f, "a policy object (docs/policy.md)", v);
         o.policy = v;
         return ok_status();
       }},
      {"method", str(&EngineOptions::method)},
      {"kinds", strings(&EngineOptions::kinds)},
      {"eyes_only", boolean(&EngineOptions::eyes_only)},
      {"mask_scale", opt_number(&EngineOptions::mask_scale)},
      {"shape", str(&EngineOptions::shape)},
      {"feather", opt_number(&EngineOptions::feather)},
      {"cells", opt_integer(&EngineOptions::cells)},
      {"strength", opt_number(&EngineOptions::strength)},
      {"color", [](EngineOptions& o, const json& v, const std::string& f) -> Status {
         if (!v.is_array() || v.size() != 3) return type_error(f, "an array of 3 numbers [B, G, R]", v);
         o.color.clear();
         for (const auto& e : v) {
           if (!e.is_number()) return type_error(f, "an array of 3 numbers [B, G, R]", v);
           o.color.push_back(e.get<double>());
         }
         return ok_status();
       }},
      {"epsilon", opt_number(&EngineOptions::epsilon)},
      {"mechanism", str(&EngineOptions::mechanism)},
      {"plate_style", str(&EngineOptions::plate_style)},
      {"dp_cell", opt_integer(&EngineOptions::dp_cell)},
      {"dp_m", opt_integer(&EngineOptions::dp_m)},
      {"encoder", str(&EngineOptions::encoder)},
      {"generator", str(&EngineOptions::generator)},
      {"latent_clip", opt_number(&EngineOptions::latent_clip)},
      {"generator_size", opt_integer(&EngineOptions::generator_size)},
      {"ksame_gallery", str(&EngineOptions::ksame_gallery)},
      {"ksame_k", opt_integer(&EngineOptions::ksame_k)},
      {"key", str(&EngineOptions::key)},
      {"recipient", str(&EngineOptions::recipient)},
      {"placeholder", str(&EngineOptions::placeholder)},
      {"sidecar", boolean(&EngineOptions::sidecar)},
      {"detached", boolean(&EngineOptions::detached)},
      {"track", str(&EngineOptions::track)},
      {"signer", str(&EngineOptions::signer)},
      {"trusted_signers", str(&EngineOptions::trusted_signers)},
      {"require_signed", boolean(&EngineOptions::require_signed)},
      {"allow_unsigned", boolean(&EngineOptions::allow_unsigned)},
      {"level", integer(&EngineOptions::level)},
      {"levels", integer(&EngineOptions::levels)},
      {"encrypt_from", integer(&EngineOptions::encrypt_from)},
      {"quality", integer(&EngineOptions::quality)},
      {"keep_metadata", boolean(&EngineOptions::keep_metadata)},
      {"keep_tags", strings(&EngineOptions::keep_tags)},
      {"jpeg_path", str(&EngineOptions::jpeg_path)},
      {"allow_unlisted", boolean(&EngineOptions::allow_unlisted)},
      {"max_buffer_mb", integer(&EngineOptions::max_buffer_mb)},
      {"max_pixels", integer(&EngineOptions::max_pixels)},
      {"overwrite", boolean(&EngineOptions::overwrite)},
      {"jobs", integer(&EngineOptions::jobs)},
      {"camera", str(&EngineOptions::camera)},
      {"detect_every", integer(&EngineOptions::detect_every)},
      {"hold", integer(&EngineOptions::hold)},
      {"extend_back", integer(&EngineOptions::extend_back)},
      {"drop_audio", boolean(&EngineOptions::drop_audio)},
      {"max_frames", integer(&EngineOptions::max_frames)},
      {"crf", integer(&EngineOptions::crf)},
      {"preset", str(&EngineOptions::preset)},
      {"codec", str(&EngineOptions::codec)},
      {"track_format", integer(&EngineOptions::track_format)},
  };
  return kSetters;
}

}  // namespace

Result<EngineOptions> EngineOptions::from_json(const json& j) {
  if (!j.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "options: must be a JSON object, got " + std::string(j.type_name()));
  }
  EngineOptions o;
  for (const auto& [name, value] : j.items()) {
    auto it = setters().find(name);
    if (it == setters().end()) {
      return make_error(ErrorCode::kInvalidArgument, "options." + name + ": unknown field (docs/engine.md lists them)");
    }
    SHROUD_RETURN_IF_ERROR(it->second(o, value, name));
  }
  SHROUD_RETURN_IF_ERROR(engine::validate_ranges(o));
  return o;
}

Result<EngineOptions> EngineOptions::from_json_text(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(ErrorCode::kInvalidArgument, "options: not valid JSON");
  return from_json(j);
}

json EngineOptions::to_json() const {
  auto opt = [](const auto& v) -> json { return v ? json(*v) : json(nullptr); };
  json j = {
      {"mode", mode == Mode::kRecover ? "recover" : "protect"},
      {"detector", detector}, {"threshold", threshold}, {"detect_size", detect_size}, {"models_dir", models_dir},
      {"whole_frame", whole_frame}, {"policy_file", policy_file}, {"policy", policy ? *policy : json(nullptr)},
      {"method", method}, {"kinds", kinds}, {"eyes_only", eyes_only}, {"mask_scale", opt(mask_scale)},
      {"shape", shape}, {"feather", opt(feather)}, {"cells", opt(cells)}, {"strength", opt(strength)},
      {"epsilon", opt(epsilon)}, {"mechanism", mechanism}, {"plate_style", plate_style}, {"dp_cell", opt(dp_cell)},
      {"dp_m", opt(dp_m)}, {"encoder", encoder}, {"generator", generator}, {"latent_clip", opt(latent_clip)},
      {"generator_size", opt(generator_size)}, {"ksame_gallery", ksame_gallery}, {"ksame_k", opt(ksame_k)}, {"key", key}, {"recipient", recipient}, {"placeholder", placeholder},
      {"sidecar", sidecar}, {"detached", detached}, {"track", track}, {"track_format", track_format}, {"level", level}, {"levels", levels},
      {"encrypt_from", encrypt_from}, {"quality", quality}, {"keep_metadata", keep_metadata}, {"overwrite", overwrite},
      {"jobs", jobs}, {"camera", camera}, {"detect_every", detect_every}, {"hold", hold}, {"extend_back", extend_back},
      {"drop_audio", drop_audio}, {"max_frames", max_frames}, {"keep_tags", keep_tags}, {"jpeg_path", jpeg_path},
      {"allow_unlisted", allow_unlisted}, {"max_buffer_mb", max_buffer_mb}, {"max_pixels", max_pixels}, {"crf", crf}, {"preset", preset}, {"codec", codec},
      {"signer", signer}, {"trusted_signers", trusted_signers}, {"require_signed", require_signed},
      {"allow_unsigned", allow_unsigned},
  };
  if (!color.empty()) j["color"] = color;
  return j;
}

}  // namespace shroud
