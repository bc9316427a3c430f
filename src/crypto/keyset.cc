// Keysets and recipient public key files: generation, rotation, JSON, permission checks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "crypto/keyset_impl.h"
#include "shroud/atomic_file.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

constexpr std::size_t kMaxKeysetBytes = 1 << 20;
constexpr std::size_t kMaxKeys = 1024;
constexpr const char* kKeysetFormat = "shroud-keyset";
constexpr const char* kRecipientFormat = "shroud-recipient-key";

}  // namespace

std::string now_rfc3339() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

Result<std::uint32_t> fresh_id(const Keyset::Impl& impl) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::uint32_t id = 0;
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&id), sizeof id}));
    if (id != 0 && impl.find(id) == nullptr) return id;
  }
  return make_error(ErrorCode::kInternal, "could not pick a fresh key id");
}

Result<KeyAlgorithm> parse_algorithm(const std::string& s) {
  if (s == key_algorithm_name(KeyAlgorithm::kSealSymmetric)) return KeyAlgorithm::kSealSymmetric;
  if (s == key_algorithm_name(KeyAlgorithm::kRecipientX25519)) return KeyAlgorithm::kRecipientX25519;
  return make_error(ErrorCode::kUnsupported, "unknown key algorithm '" + s + "'");
}

// Overwrites the characters of every "material" string in a parsed keyset document.
void wipe_material(nlohmann::json& j) {
  if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) return;
  for (auto& k : j["keys"]) {
    if (k.is_object() && k.contains("material") && k["material"].is_string()) {
      auto& s = k["material"].get_ref<std::string&>();
      crypto::memzero(s.data(), s.size());
    }
  }
}

Status check_fields(const nlohmann::json& obj, std::initializer_list<const char*> allowed, const char* what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* a : allowed) known = known || it.key() == a;
    if (!known) return make_error(ErrorCode::kCorrupt, std::string(what) + ": unknown field '" + it.key() + "'");
  }
  return ok_status();
}

Result<Keyset::Impl> parse_impl(nlohmann::json& j) {
  using nlohmann::json;
  if (!j.is_object()) return make_error(ErrorCode::kCorrupt, "keyset is not a JSON object");
  SHROUD_RETURN_IF_ERROR(check_fields(j, {"format", "version", "primary", "keys"}, "keyset"));
  if (!j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kKeysetFormat) {
    return make_error(ErrorCode::kCorrupt, "not a shroud keyset (format must be \"shroud-keyset\")");
  }
  if (!j.contains("version") || !j["version"].is_number_unsigned() || j["version"].get<std::uint64_t>() != 1) {
    return make_error(ErrorCode::kUnsupported, "unsupported keyset version (this build reads version 1)");
  }
  if (!j.contains("primary") || !j["primary"].is_number_unsigned() || j["primary"].get<std::uint64_t>() > 0xFFFFFFFFu) {
    return make_error(ErrorCode::kCorrupt, "keyset: 'primary' must be a key id");
  }
  if (!j.contains("keys") || !j["keys"].is_array() || j["keys"].empty() || j["keys"].size() > kMaxKeys) {
    return make_error(ErrorCode::kCorrupt, "keyset: 'keys' must be an array of 1 to 1024 keys");
  }
  Keyset::Impl impl;
  impl.primary = static_cast<std::uint32_t>(j["primary"].get<std::uint64_t>());
  for (auto& k : j["keys"]) {
    if (!k.is_object()) return make_error(ErrorCode::kCorrupt, "keyset: every key must be an object");
    SHROUD_RETURN_IF_ERROR(check_fields(k, {"id", "status", "algorithm", "created", "material", "public"}, "key"));
    for (const char* f : {"status", "algorithm", "created", "material"}) {
      if (!k.contains(f) || !k[f].is_string()) {
        return make_error(ErrorCode::kCorrupt, std::string("keyset: key field '") + f + "' missing or not a string");
      }
    }
    if (!k.contains("id") || !k["id"].is_number_unsigned() || k["id"].get<std::uint64_t>() == 0 ||
        k["id"].get<std::uint64_t>() > 0xFFFFFFFFu) {
      return make_error(ErrorCode::kCorrupt, "keyset: key 'id' must be a non-zero 32-bit number");
    }
    KeyEntry e;
    e.info.id = static_cast<std::uint32_t>(k["id"].get<std::uint64_t>());
    if (impl.find(e.info.id) != nullptr) {
      return make_error(ErrorCode::kCorrupt, "keyset: duplicate key id " + std::to_string(e.info.id));
    }
    const std::string status = k["status"].get<std::string>();
    if (status == "enabled") {
      e.info.status = KeyStatus::kEnabled;
    } else if (status == "disabled") {
      e.info.status = KeyStatus::kDisabled;
    } else {
      return make_error(ErrorCode::kCorrupt, "keyset: key status must be \"enabled\" or \"disabled\"");
    }
    SHROUD_ASSIGN_OR_RETURN(e.info.algorithm, parse_algorithm(k["algorithm"].get<std::string>()));
    e.info.created = k["created"].get<std::string>();
    if (e.info.created.size() > 64) return make_error(ErrorCode::kCorrupt, "keyset: 'created' is too long");
    SHROUD_RETURN_IF_ERROR(crypto::from_base64_exact(k["material"].get_ref<const std::string&>(), e.material.span()));
    if (e.info.algorithm == KeyAlgorithm::kRecipientX25519) {
      if (!k.contains("public") || !k["public"].is_string()) {
        return make_error(ErrorCode::kCorrupt, "keyset: recipient key without 'public'");
      }
      SHROUD_RETURN_IF_ERROR(crypto::from_base64_exact(k["public"].get<std::string>(), e.public_key));
      SHROUD_ASSIGN_OR_RETURN(auto derived, crypto::box_public_from_secret(e.material.view()));
      if (!crypto::equal_ct(derived, e.public_key)) {
        return make_error(ErrorCode::kCorrupt, "keyset: recipient key " + std::to_string(e.info.id) +
                                                   " has a public key that does not match its secret key");
      }
    } else if (k.contains("public")) {
      return make_error(ErrorCode::kCorrupt, "keyset: symmetric key with a 'public' field");
    }
    impl.keys.push_back(std::move(e));
  }
  const KeyEntry* primary = impl.find(impl.primary);
  if (primary == nullptr) return make_error(ErrorCode::kCorrupt, "keyset: primary key id is not in the keyset");
  if (primary->info.algorithm != KeyAlgorithm::kSealSymmetric || primary->info.status != KeyStatus::kEnabled) {
    return make_error(ErrorCode::kCorrupt, "keyset: the primary key must be an enabled symmetric key");
  }
  for (auto& e : impl.keys) e.info.primary = e.info.id == impl.primary;
  return impl;
}

// The keyset as JSON text (nlohmann::ordered_json: fields in the documented order). The caller must wipe the returned string (it holds
// key material); the material strings inside the JSON value are wiped here before it is freed.
std::string serialize(const Keyset::Impl& impl) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& e : impl.keys) {
    nlohmann::ordered_json k = {{"id", e.info.id},
                                {"status", e.info.status == KeyStatus::kEnabled ? "enabled" : "disabled"},
                                {"algorithm", key_algorithm_name(e.info.algorithm)},
                                {"created", e.info.created}};
    if (e.info.algorithm == KeyAlgorithm::kRecipientX25519) k["public"] = crypto::to_base64(e.public_key);
    std::string material = crypto::to_base64(e.material.view());
    k["material"] = std::move(material);
    keys.push_back(std::move(k));
  }
  nlohmann::ordered_json doc = {{"format", "shroud-keyset"}, {"version", 1}, {"primary", impl.primary}, {"keys", std::move(keys)}};
  std::string out = doc.dump(2);  // one buffer, wiped by the caller (no concatenated copies)
  for (auto& k : doc["keys"]) {
    auto& m = k["material"].get_ref<std::string&>();
    crypto::memzero(m.data(), m.size());
  }
  return out;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

// Reads a small file; when `private_only`, refuses group/other permission bits.
Result<std::string> read_small_file(const std::string& path, bool private_only) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::kNotFound, "'" + path + "' does not exist");
    if (errno == ELOOP) return make_error(ErrorCode::kPermission, "'" + path + "' is a symbolic link; refusing it");
    return make_error(ErrorCode::kPermission, "cannot open '" + path + "': " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is not a regular file");
  }
  if (private_only && (st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ErrorCode::kPermission, "key file '" + path + "' has mode " + mode +
                                                  " (group/others may access it); run chmod 600 on it");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxKeysetBytes) {
    ::close(fd);
    return make_error(ErrorCode::kResourceLimit, "'" + path + "' is over 1 MiB");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(done);
  return text;
}

const char* key_algorithm_name(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::kSealSymmetric: return "xchacha20poly1305-hkdf-sha256";
    case KeyAlgorithm::kRecipientX25519: return "x25519-sealedbox";
  }
  return "unknown";
}

struct KeysetAccess {
  static Keyset make(std::unique_ptr<Keyset::Impl> impl) { return Keyset(std::move(impl)); }
};

Keyset::Keyset(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Keyset::Keyset(Keyset&&) noexcept = default;
Keyset& Keyset::operator=(Keyset&&) noexcept = default;
Keyset::~Keyset() = default;

Result<Keyset> Keyset::generate() {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  Keyset ks(std::make_unique<Impl>());
  SHROUD_RETURN_IF_ERROR(ks.rotate());
  return ks;
}

Result<std::uint32_t> Keyset::rotate() {
  if (impl_->keys.size() >= kMaxKeys) return make_error(ErrorCode::kResourceLimit, "keyset is full (1024 keys)");
  KeyEntry e;
  SHROUD_ASSIGN_OR_RETURN(e.info.id, fresh_id(*impl_));
  e.info.algorithm = KeyAlgorithm::kSealSymmetric;
  e.info.created = now_rfc3339();
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(e.material.span()));
  const std::uint32_t id = e.info.id;
  impl_->keys.push_back(std::move(e));
  impl_->primary = id;
  for (auto& k : impl_->keys) k.info.primary = k.info.id == id;
  return id;
}

Result<RecipientKey> Keyset::add_recipient() {
  if (impl_->keys.size() >= kMaxKeys) return make_error(ErrorCode::kResourceLimit, "keyset is full (1024 keys)");
  SHROUD_ASSIGN_OR_RETURN(crypto::BoxKeyPair kp, crypto::box_keypair());
  KeyEntry e;
  SHROUD_ASSIGN_OR_RETURN(e.info.id, fresh_id(*impl_));
  e.info.algorithm = KeyAlgorithm::kRecipientX25519;
  e.info.created = now_rfc3339();
  e.material = std::move(kp.secret_key);
  e.public_key = kp.public_key;
  RecipientKey pub{e.info.id, e.public_key, e.info.created};
  impl_->keys.push_back(std::move(e));
  return pub;
}

Status Keyset::set_status(std::uint32_t id, KeyStatus status) {
  for (auto& k : impl_->keys) {
    if (k.info.id != id) continue;
    if (id == impl_->primary && status == KeyStatus::kDisabled) {
      return make_error(ErrorCode::kInvalidArgument, "the primary key cannot be disabled; rotate first");
    }
    k.info.status = status;
    return ok_status();
  }
  return make_error(ErrorCode::kNotFound, "no key with id " + std::to_string(id) + " in the keyset");
}

std::uint32_t Keyset::primary_id() const { return impl_->primary; }

std::vector<KeyInfo> Keyset::keys() const {
  std::vector<KeyInfo> out;
  for (const auto& k : impl_->keys) out.push_back(k.info);
  return out;
}

Result<RecipientKey> Keyset::recipient(std::uint32_t id) const {
  const KeyEntry* e = impl_->find(id);
  if (e == nullptr || e->info.algorithm != KeyAlgorithm::kRecipientX25519) {
    return make_error(ErrorCode::kNotFound, "no recipient key with id " + std::to_string(id));
  }
  return RecipientKey{e->info.id, e->public_key, e->info.created};
}

Result<Keyset> parse_keyset(std::string_view text) {
  if (text.size() > kMaxKeysetBytes) return make_error(ErrorCode::kResourceLimit, "keyset is over 1 MiB");
  SHROUD_RETURN_IF_ERROR(crypto::init());
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(ErrorCode::kCorrupt, "keyset is not valid JSON");
  Result<Keyset::Impl> impl = [&]() -> Result<Keyset::Impl> {
    try {
      return parse_impl(j);
    } catch (const nlohmann::json::exception& e) {
      return make_error(ErrorCode::kCorrupt, std::string("malformed keyset: ") + e.what());
    }
  }();
  wipe_material(j);
  if (!impl.ok()) return impl.error();
  return KeysetAccess::make(std::make_unique<Keyset::Impl>(std::move(*impl)));
}

// True when `path` holds a recipient public key (a common mistake: giving dc.pub to recover).
static bool is_public_key_file(const std::string& path) {
  auto text = read_small_file(path, /*private_only=*/false);
  return text.ok() && parse_recipient_key(*text).ok();
}

static Error public_key_error(const std::string& path) {
  return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is a recipient public key; opening sealed images needs "
                                                 "the private keyset it came from (the KEYSET given to `shroud keygen`)");
}

Result<Keyset> load_keyset(const std::string& path) {
  auto read = read_small_file(path, /*private_only=*/true);
  if (!read.ok()) {
    if (read.error().code == ErrorCode::kPermission && is_public_key_file(path)) return public_key_error(path);
    return read.error();
  }
  std::string text = std::move(*read);
  auto ks = parse_keyset(text);
  crypto::memzero(text.data(), text.size());
  if (!ks.ok()) {
    if (is_public_key_file(path)) return public_key_error(path);
    return make_error(ks.error().code, "'" + path + "': " + ks.error().message);
  }
  return ks;
}

Status save_keyset(const Keyset& keyset, const std::string& path, bool overwrite) {
  std::string text = serialize(keyset.impl());
  // Written straight from the one string that is wiped (no unwiped copy of the material).
  auto file = AtomicFile::create(path, WriteOptions{overwrite, 0600});
  Status s = file.ok() ? file->write(text) : Status(file.error());
  if (s.ok()) s = file->commit();
  crypto::memzero(text.data(), text.size());
  return s;
}

std::string keyset_to_json(const Keyset& keyset) { return serialize(keyset.impl()); }

std::string recipient_key_to_json(const RecipientKey& key) {
  nlohmann::json j = {{"format", kRecipientFormat},
                      {"version", 1},
                      {"id", key.id},
                      {"algorithm", key_algorithm_name(KeyAlgorithm::kRecipientX25519)},
                      {"created", key.created},
                      {"public", crypto::to_base64(key.public_key)}};
  return j.dump(2) + "\n";
}

Result<RecipientKey> parse_recipient_key(std::string_view text) {
  if (text.size() > kMaxKeysetBytes) return make_error(ErrorCode::kResourceLimit, "recipient key file is over 1 MiB");
  SHROUD_RETURN_IF_ERROR(crypto::init());
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorCode::kCorrupt, "recipient key is not a JSON object");
  try {
    SHROUD_RETURN_IF_ERROR(check_fields(j, {"format", "version", "id", "algorithm", "created", "public"}, "recipient key"));
    if (j.value("format", "") != kRecipientFormat || !j.contains("version") || j["version"] != 1) {
      if (j.contains("keys")) {
        return make_error(ErrorCode::kInvalidArgument,
                          "this is a keyset (secret); --recipient takes the public key file from `shroud keygen --recipient`");
      }
      return make_error(ErrorCode::kCorrupt, "not a shroud recipient key (format \"shroud-recipient-key\", version 1)");
    }
    if (j.value("algorithm", "") != key_algorithm_name(KeyAlgorithm::kRecipientX25519)) {
      return make_error(ErrorCode::kUnsupported, "unknown recipient key algorithm");
    }
    if (!j.contains("id") || !j["id"].is_number_unsigned() || j["id"].get<std::uint64_t>() == 0 ||
        j["id"].get<std::uint64_t>() > 0xFFFFFFFFu || !j.contains("public") || !j["public"].is_string()) {
      return make_error(ErrorCode::kCorrupt, "recipient key needs a non-zero 'id' and a 'public' key");
    }
    RecipientKey key;
    key.id = static_cast<std::uint32_t>(j["id"].get<std::uint64_t>());
    key.created = j.value("created", "");
    SHROUD_RETURN_IF_ERROR(crypto::from_base64_exact(j["public"].get<std::string>(), key.public_key));
    return key;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("malformed recipient key: ") + e.what());
  }
}

Result<RecipientKey> load_recipient_key(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, read_small_file(path, /*private_only=*/false));
  auto key = parse_recipient_key(text);
  if (!key.ok()) return make_error(key.error().code, "'" + path + "': " + key.error().message);
  return key;
}

}  // namespace shroud
