// Scheme key files (scheme_file.h): generation, JSON form, 0600 storage.
#include <sodium.h>

#include <cstring>
#include <stdexcept>

#include "schemes/internal.h"
#include "shroud/schemes/scheme_file.h"
#include "core/json_number.h"

namespace shroud::schemes {
namespace {

constexpr const char* kKeyFileFormat = "shroud-scheme-key";
constexpr std::int64_t kMaxKeyFileBytes = 1 << 20;

struct MethodName {
  SchemeMethod method;
  const char* name;
};
constexpr MethodName kMethods[] = {
    {SchemeMethod::kMsaiL, "msai-l"},         {SchemeMethod::kMsaiPaper, "msai-paper"},
    {SchemeMethod::kBlockScramble, "block-scramble"}, {SchemeMethod::kPbe, "pbe"},
    {SchemeMethod::kPerceptual, "perceptual"}, {SchemeMethod::kSisaPaper, "sisa-paper"},
};

template <std::size_t N>
void hex_into(const nlohmann::json& j, const char* field, std::array<std::uint8_t, N>& out) {
  auto bytes = detail::from_hex(j.at(field).get<std::string>(), N);
  if (!bytes.ok()) throw std::runtime_error(std::string(field) + ": " + bytes.error().message);
  std::memcpy(out.data(), bytes->data(), N);
  sodium_memzero(bytes->data(), bytes->size());
}

}  // namespace

const char* scheme_method_name(SchemeMethod method) {
  for (const auto& m : kMethods) {
    if (m.method == method) return m.name;
  }
  return "unknown";
}

Result<SchemeMethod> parse_scheme_method(const std::string& name) {
  for (const auto& m : kMethods) {
    if (name == m.name) return m.method;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown scheme '" + name + "' (msai-l, msai-paper, block-scramble, pbe, perceptual, sisa-paper)");
}

bool scheme_allows_whole_frame(SchemeMethod method) {
  return method == SchemeMethod::kBlockScramble || method == SchemeMethod::kPbe || method == SchemeMethod::kPerceptual;
}

Status scheme_check_type(SchemeMethod method, int type) {
  const int depth = CV_MAT_DEPTH(type), ch = CV_MAT_CN(type);
  if ((depth != CV_8U && depth != CV_16U) || (ch != 1 && ch != 3 && ch != 4)) {
    return make_error(ErrorCode::kUnsupported, std::string(scheme_method_name(method)) +
                                                   " needs an 8- or 16-bit image with 1, 3 or 4 channels");
  }
  if (method == SchemeMethod::kMsaiPaper && depth != CV_8U) {
    return make_error(ErrorCode::kUnsupported, "msai-paper works on 8-bit images only (use msai-l for 16-bit)");
  }
  return ok_status();
}

SchemeKey::~SchemeKey() { sodium_memzero(record_key.data(), record_key.size()); }

std::array<std::uint8_t, 16> SchemeKey::key_id() const {
  static constexpr char kLabel[] = "shroud-scheme-key-id";
  std::array<std::uint8_t, 16> id{};
  crypto_generichash(id.data(), id.size(), reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel - 1,
                     record_key.data(), record_key.size());
  return id;
}

Result<SchemeKey> generate_scheme_key(SchemeMethod method, int block_size) {
  if (block_size < 1 || block_size > kMaxBlockSize) {
    return make_error(ErrorCode::kInvalidArgument, "block size must be 1.." + std::to_string(kMaxBlockSize));
  }
  SchemeKey key;
  key.method = method;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(key.record_key.data(), key.record_key.size()));
  switch (method) {
    case SchemeMethod::kMsaiL:
    case SchemeMethod::kMsaiPaper: {
      SHROUD_ASSIGN_OR_RETURN(key.msai, msai_generate_key(method == SchemeMethod::kMsaiL ? MsaiScheme::kLossless
                                                                                          : MsaiScheme::kPaper));
      SHROUD_ASSIGN_OR_RETURN(key.scramble, generate_scramble_key());
      key.block_size = block_size;
      break;
    }
    case SchemeMethod::kBlockScramble: {
      SHROUD_ASSIGN_OR_RETURN(key.scramble, generate_scramble_key());
      key.block_size = block_size;
      break;
    }
    case SchemeMethod::kPbe: {
      SHROUD_ASSIGN_OR_RETURN(key.pbe, generate_pbe_key());
      break;
    }
    case SchemeMethod::kPerceptual: {
      SHROUD_ASSIGN_OR_RETURN(key.perceptual, generate_perceptual_key());
      break;
    }
    case SchemeMethod::kSisaPaper: {
      SHROUD_ASSIGN_OR_RETURN(key.aes, generate_sisa_paper_key());
      break;
    }
  }
  return key;
}

std::string scheme_key_to_json(const SchemeKey& key) {
  nlohmann::json j = {{"format", kKeyFileFormat},
                      {"version", 1},
                      {"scheme", scheme_method_name(key.method)},
                      {"record_key", detail::to_hex(key.record_key.data(), key.record_key.size())}};
  switch (key.method) {
    case SchemeMethod::kMsaiL:
    case SchemeMethod::kMsaiPaper: {
      j["msai"] = nlohmann::json::parse(msai_key_to_json(key.msai));
      MsaiTauKey tau;
      tau.key = key.scramble;
      tau.block_size = key.block_size;
      j["tau"] = nlohmann::json::parse(msai_tau_to_json(tau));
      break;
    }
    case SchemeMethod::kBlockScramble:
      j["scramble_key"] = scramble_key_to_hex(key.scramble);
      j["block_size"] = key.block_size;
      break;
    case SchemeMethod::kPbe: j["pbe"] = key.pbe.to_json(); break;
    case SchemeMethod::kPerceptual: j["perceptual"] = key.perceptual.to_json(); break;
    case SchemeMethod::kSisaPaper: j["aes_key"] = detail::to_hex(key.aes.bytes.data(), key.aes.bytes.size()); break;
  }
  return j.dump(2) + "\n";
}

Result<SchemeKey> scheme_key_from_json(const std::string& text) {
  SchemeKey key;
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object() || !j.contains("format") || j.at("format") != kKeyFileFormat) {
      throw std::runtime_error("not a scheme key file (make one with `shroud keygen --scheme NAME -o FILE`)");
    }
    if (shroud::detail::json_int(j.at("version")) != 1) throw std::runtime_error("unsupported version");
    auto method = parse_scheme_method(j.at("scheme").get<std::string>());
    if (!method.ok()) throw std::runtime_error(method.error().message);
    key.method = *method;
    hex_into(j, "record_key", key.record_key);
    auto fail_on = [](const auto& r) {
      if (!r.ok()) throw std::runtime_error(r.error().message);
    };
    switch (key.method) {
      case SchemeMethod::kMsaiL:
      case SchemeMethod::kMsaiPaper: {
        auto msai = msai_key_from_json(j.at("msai").dump());
        fail_on(msai);
        const MsaiScheme want = key.method == SchemeMethod::kMsaiL ? MsaiScheme::kLossless : MsaiScheme::kPaper;
        if (msai->scheme != want) throw std::runtime_error("msai key is for another scheme");
        key.msai = *msai;
        auto tau = msai_tau_from_json(j.at("tau").dump());
        fail_on(tau);
        key.scramble = tau->key;
        key.block_size = tau->block_size;
        break;
      }
      case SchemeMethod::kBlockScramble: {
        auto s = scramble_key_from_hex(j.at("scramble_key").get<std::string>());
        fail_on(s);
        key.scramble = *s;
        key.block_size = shroud::detail::json_int(j.at("block_size"));
        if (key.block_size < 1 || key.block_size > kMaxBlockSize) throw std::runtime_error("block_size out of range");
        break;
      }
      case SchemeMethod::kPbe: {
        auto k = PbeKey::from_json(j.at("pbe"));
        fail_on(k);
        key.pbe = *k;
        break;
      }
      case SchemeMethod::kPerceptual: {
        auto k = PerceptualKey::from_json(j.at("perceptual"));
        fail_on(k);
        key.perceptual = *k;
        break;
      }
      case SchemeMethod::kSisaPaper: hex_into(j, "aes_key", key.aes.bytes); break;
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("scheme key file: ") + e.what());
  }
  return key;
}

Status save_scheme_key(const SchemeKey& key, const std::string& path, bool overwrite) {
  std::string text = scheme_key_to_json(key);
  Status s = write_secret_file(path, text, overwrite);
  sodium_memzero(text.data(), text.size());
  return s;
}

Result<SchemeKey> load_scheme_key(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_secret_file(path, kMaxKeyFileBytes));
  std::string text(bytes.begin(), bytes.end());
  sodium_memzero(bytes.data(), bytes.size());
  auto key = scheme_key_from_json(text);
  sodium_memzero(text.data(), text.size());
  if (!key.ok()) return make_error(key.error().code, "'" + path + "': " + key.error().message);
  return key;
}

}  // namespace shroud::schemes
