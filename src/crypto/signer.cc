// Signer keys (signer.h): Ed25519 seeds in 0600 JSON files, public key and trusted-signers files.
#include "shroud/signer.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"
#include "shroud/image_io.h"

namespace shroud {

struct SignerKey::Impl {
  crypto::Secret<crypto::kSignSeedBytes> seed;
  SignerPublicKey pub;
};

struct SignerAccess {
  static SignerKey make(std::unique_ptr<SignerKey::Impl> impl) { return SignerKey(std::move(impl)); }
};

namespace {

constexpr const char* kSecretFormat = "shroud-signer";
constexpr const char* kPublicFormat = "shroud-signer-public";
constexpr const char* kTrustedFormat = "shroud-trusted-signers";
constexpr const char* kAlgorithm = "ed25519";
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kMaxTrusted = 4096;

Error corrupt(const std::string& m) { return make_error(ErrorCode::kCorrupt, m); }

Status check_signer_fields(const nlohmann::json& obj, std::initializer_list<const char*> allowed, const char* what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* a : allowed) known = known || it.key() == a;
    if (!known) return corrupt(std::string(what) + ": unknown field '" + it.key() + "'");
  }
  return ok_status();
}

std::string str_field(const nlohmann::json& j, const char* name) {
  return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : std::string();
}

// A public key object: format/version checked by the caller when `top_level`.
Result<SignerPublicKey> parse_public_object(const nlohmann::json& j, bool top_level) {
  if (!j.is_object()) return corrupt("signer public key is not a JSON object");
  SHROUD_RETURN_IF_ERROR(check_signer_fields(j, {"format", "version", "id", "algorithm", "name", "created", "public"}, "signer public key"));
  if (top_level || j.contains("format")) {
    if (str_field(j, "format") != kPublicFormat || !j.contains("version") || j["version"] != 1) {
      if (str_field(j, "format") == kSecretFormat) {
        return make_error(ErrorCode::kInvalidArgument, "this is a secret signer key; give its public file (OUT.pub)");
      }
      return corrupt("not a shroud signer public key (format \"shroud-signer-public\", version 1)");
    }
  }
  if (str_field(j, "algorithm") != kAlgorithm) return make_error(ErrorCode::kUnsupported, "signer key algorithm must be \"ed25519\"");
  if (!j.contains("public") || !j["public"].is_string() || !j.contains("id") || !j["id"].is_string()) {
    return corrupt("signer public key needs 'id' and 'public'");
  }
  SignerPublicKey k;
  SHROUD_RETURN_IF_ERROR(crypto::from_base64_exact(j["public"].get<std::string>(), k.public_key));
  k.id = signer_id(k.public_key);
  if (j["id"].get<std::string>() != k.id) return corrupt("signer id '" + j["id"].get<std::string>() + "' does not match its public key");
  k.name = str_field(j, "name");
  k.created = str_field(j, "created");
  return k;
}

nlohmann::json public_object(const SignerPublicKey& k) {
  return {{"id", k.id}, {"algorithm", kAlgorithm}, {"name", k.name}, {"created", k.created},
          {"public", crypto::to_base64(k.public_key)}};
}

Result<nlohmann::json> parse_json(std::string_view text, const char* what) {
  if (text.size() > kMaxFileBytes) return make_error(ErrorCode::kResourceLimit, std::string(what) + " is over 1 MiB");
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt(std::string(what) + " is not a JSON object");
  return j;
}

}  // namespace

std::array<std::uint8_t, kSignerIdBytes> signer_id_bytes(const std::array<std::uint8_t, 32>& public_key) {
  crypto::Blake2b h;
  static constexpr char kLabel[] = "shroud-signer-id/v1";
  h.update({reinterpret_cast<const std::uint8_t*>(kLabel), sizeof kLabel - 1});
  h.update(public_key);
  const auto d = h.finish();
  std::array<std::uint8_t, kSignerIdBytes> id{};
  std::memcpy(id.data(), d.data(), id.size());
  return id;
}

std::string signer_id(const std::array<std::uint8_t, 32>& public_key) { return crypto::to_hex(signer_id_bytes(public_key)); }

SignerKey::SignerKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SignerKey::SignerKey(SignerKey&&) noexcept = default;
SignerKey& SignerKey::operator=(SignerKey&&) noexcept = default;
SignerKey::~SignerKey() = default;

Result<SignerKey> SignerKey::generate(const std::string& name) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  auto impl = std::make_unique<Impl>();
  SHROUD_RETURN_IF_ERROR(crypto::sign_seed(impl->seed.span()));
  SHROUD_ASSIGN_OR_RETURN(impl->pub.public_key, crypto::sign_public_from_seed(impl->seed.view()));
  impl->pub.id = signer_id(impl->pub.public_key);
  impl->pub.name = name;
  impl->pub.created = now_rfc3339();
  return SignerKey(std::move(impl));
}

const SignerPublicKey& SignerKey::public_key() const { return impl_->pub; }

Result<std::array<std::uint8_t, kSignatureBytes>> SignerKey::sign(std::span<const std::uint8_t> message) const {
  return crypto::sign_detached(impl_->seed.view(), message);
}

bool verify_signature(const SignerPublicKey& key, std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) {
  return crypto::sign_verify_detached(signature, message, key.public_key);
}

Result<SignerKey> parse_signer(std::string_view text) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_ASSIGN_OR_RETURN(nlohmann::json j, parse_json(text, "signer key"));
  auto wipe = [&j] {
    if (j.contains("material") && j["material"].is_string()) {
      auto& s = j["material"].get_ref<std::string&>();
      crypto::memzero(s.data(), s.size());
    }
  };
  Result<SignerKey> out = [&]() -> Result<SignerKey> {
    SHROUD_RETURN_IF_ERROR(check_signer_fields(j, {"format", "version", "id", "algorithm", "name", "created", "public", "material"}, "signer key"));
    if (str_field(j, "format") != kSecretFormat || !j.contains("version") || j["version"] != 1) {
      if (str_field(j, "format") == kPublicFormat) {
        return make_error(ErrorCode::kInvalidArgument, "this is a signer public key; signing needs the secret key file");
      }
      return corrupt("not a shroud signer key (format \"shroud-signer\", version 1)");
    }
    if (str_field(j, "algorithm") != kAlgorithm) return make_error(ErrorCode::kUnsupported, "signer key algorithm must be \"ed25519\"");
    if (!j.contains("material") || !j["material"].is_string()) return corrupt("signer key has no 'material'");
    auto impl = std::make_unique<SignerKey::Impl>();
    SHROUD_RETURN_IF_ERROR(crypto::from_base64_exact(j["material"].get<std::string>(), impl->seed.span()));
    SHROUD_ASSIGN_OR_RETURN(impl->pub.public_key, crypto::sign_public_from_seed(impl->seed.view()));
    impl->pub.id = signer_id(impl->pub.public_key);
    std::array<std::uint8_t, 32> stated{};
    if (!j.contains("public") || !j["public"].is_string() ||
        !crypto::from_base64_exact(j["public"].get<std::string>(), stated).ok() || stated != impl->pub.public_key) {
      return corrupt("signer key: 'public' does not match the secret key");
    }
    if (str_field(j, "id") != impl->pub.id) return corrupt("signer key: 'id' does not match the key");
    impl->pub.name = str_field(j, "name");
    impl->pub.created = str_field(j, "created");
    return SignerAccess::make(std::move(impl));
  }();
  wipe();
  return out;
}

Result<SignerKey> load_signer(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, read_small_file(path, /*private_only=*/true));
  auto key = parse_signer(text);
  crypto::memzero(text.data(), text.size());
  if (!key.ok()) return make_error(key.error().code, "'" + path + "': " + key.error().message);
  return key;
}

Status save_signer(const SignerKey& key, const std::string& path, bool overwrite) {
  const SignerPublicKey& p = key.public_key();
  std::string material = crypto::to_base64(key.impl().seed.view());
  nlohmann::json j = public_object(p);
  j["format"] = kSecretFormat;
  j["version"] = 1;
  std::string text = j.dump(2);
  text.pop_back();  // closing brace: the material goes last, outside nlohmann's buffers
  text += ",\n  \"material\": \"" + material + "\"\n}\n";
  crypto::memzero(material.data(), material.size());
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  crypto::memzero(text.data(), text.size());
  Status s = write_file_atomic(path, bytes, WriteOptions{overwrite, 0600});
  crypto::memzero(bytes.data(), bytes.size());
  return s;
}

std::string signer_public_to_json(const SignerPublicKey& key) {
  nlohmann::json j = public_object(key);
  j["format"] = kPublicFormat;
  j["version"] = 1;
  return j.dump(2) + "\n";
}

Result<SignerPublicKey> parse_signer_public(std::string_view text) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_ASSIGN_OR_RETURN(nlohmann::json j, parse_json(text, "signer public key"));
  try {
    return parse_public_object(j, /*top_level=*/true);
  } catch (const nlohmann::json::exception& e) {
    return corrupt(std::string("malformed signer public key: ") + e.what());
  }
}

Result<std::vector<SignerPublicKey>> parse_trusted_signers(std::string_view text) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_ASSIGN_OR_RETURN(nlohmann::json j, parse_json(text, "trusted signers"));
  try {
    if (str_field(j, "format") == kPublicFormat) {
      SHROUD_ASSIGN_OR_RETURN(SignerPublicKey k, parse_public_object(j, true));
      return std::vector<SignerPublicKey>{k};
    }
    SHROUD_RETURN_IF_ERROR(check_signer_fields(j, {"format", "version", "signers"}, "trusted signers"));
    if (str_field(j, "format") != kTrustedFormat || !j.contains("version") || j["version"] != 1) {
      return corrupt("not a trusted-signers file (format \"shroud-trusted-signers\", version 1, or a signer .pub file)");
    }
    if (!j.contains("signers") || !j["signers"].is_array()) return corrupt("trusted signers: 'signers' must be an array");
    if (j["signers"].size() > kMaxTrusted) return make_error(ErrorCode::kResourceLimit, "trusted signers: more than 4096 keys");
    std::vector<SignerPublicKey> out;
    std::set<std::string> ids;
    for (const auto& e : j["signers"]) {
      SHROUD_ASSIGN_OR_RETURN(SignerPublicKey k, parse_public_object(e, false));
      if (!ids.insert(k.id).second) return corrupt("trusted signers: signer " + k.id + " is listed twice");
      out.push_back(std::move(k));
    }
    if (out.empty()) return corrupt("trusted signers: the list is empty");
    return out;
  } catch (const nlohmann::json::exception& e) {
    return corrupt(std::string("malformed trusted signers: ") + e.what());
  }
}

Result<std::vector<SignerPublicKey>> load_trusted_signers(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, read_small_file(path, /*private_only=*/false));
  auto keys = parse_trusted_signers(text);
  if (!keys.ok()) return make_error(keys.error().code, "'" + path + "': " + keys.error().message);
  return keys;
}

std::string trusted_signers_to_json(const std::vector<SignerPublicKey>& keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : keys) list.push_back(public_object(k));
  nlohmann::json j = {{"format", kTrustedFormat}, {"version", 1}, {"signers", list}};
  return j.dump(2) + "\n";
}

}  // namespace shroud
