#include "service/service_crypto.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstring>

#include "shroud/image_io.h"

namespace shroud::service {

Status crypto_init() {
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to initialise");
  return ok_status();
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

std::string random_hex(std::size_t bytes) {
  Bytes b(bytes);
  randombytes_buf(b.data(), b.size());
  return to_hex(b);
}

Result<Bytes> from_hex(std::string_view hex) {
  Bytes out(hex.size() / 2);
  std::size_t len = 0;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != out.size()) {
    return make_error(ErrorCode::kCorrupt, "not a hex string");
  }
  return out;
}

std::string hash_hex(const std::uint8_t* data, std::size_t size) {
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), data, size, nullptr, 0);
  return to_hex(h.data(), h.size());
}

std::string hash_hex(std::string_view data) {
  return hash_hex(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Token new_token() {
  Token t;
  t.id = random_hex(8);
  t.secret = "st_" + t.id + "_" + random_hex(32);
  t.hash = hash_hex(t.secret);
  return t;
}

std::string token_id(std::string_view token) {
  if (token.size() != 3 + 16 + 1 + 64 || token.substr(0, 3) != "st_" || token[19] != '_') return "";
  for (std::size_t i = 3; i < token.size(); ++i) {
    if (i == 19) continue;
    const char c = token[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
  }
  return std::string(token.substr(3, 16));
}

Result<std::string> read_private_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return make_error(ErrorCode::kNotFound, "'" + path + "' does not exist");
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::kPermission, "'" + path + "' is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::kPermission, "'" + path + "' is readable or writable by group/others; chmod 600 it");
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, 4096));
  std::string text(bytes.begin(), bytes.end());
  sodium_memzero(bytes.data(), bytes.size());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

namespace {

Status write_private_hex(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::string hex = to_hex(data, size) + "\n";
  Status s = write_file_atomic(path, Bytes(hex.begin(), hex.end()), WriteOptions{false, 0600});
  sodium_memzero(hex.data(), hex.size());
  return s;
}

template <std::size_t N>
Status load_hex_key(const std::string& path, std::array<std::uint8_t, N>& out, const char* what) {
  SHROUD_ASSIGN_OR_RETURN(std::string text, read_private_file(path));
  std::size_t len = 0;
  const int rc = sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr);
  sodium_memzero(text.data(), text.size());
  if (rc != 0 || len != N) {
    return make_error(ErrorCode::kCorrupt, "'" + path + "' is not a " + what + " (" + std::to_string(N * 2) + " hex digits)");
  }
  return ok_status();
}

}  // namespace

Result<MasterKey> MasterKey::generate() {
  MasterKey k;
  crypto_aead_xchacha20poly1305_ietf_keygen(k.key_.data());
  return k;
}

Result<MasterKey> MasterKey::load(const std::string& path) {
  MasterKey k;
  SHROUD_RETURN_IF_ERROR(load_hex_key(path, k.key_, "master key"));
  return k;
}

Status MasterKey::save(const std::string& path) const { return write_private_hex(path, key_.data(), key_.size()); }

MasterKey::MasterKey(MasterKey&& o) noexcept : key_(o.key_) { sodium_memzero(o.key_.data(), o.key_.size()); }
MasterKey& MasterKey::operator=(MasterKey&& o) noexcept {
  key_ = o.key_;
  sodium_memzero(o.key_.data(), o.key_.size());
  return *this;
}
MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

std::string MasterKey::fingerprint() const {
  static constexpr char kLabel[] = "shroud-service/master-key-fingerprint/v1";
  std::array<std::uint8_t, 16> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const std::uint8_t*>(kLabel), sizeof(kLabel) - 1,
                     key_.data(), key_.size());
  return to_hex(h.data(), h.size());
}

Result<Bytes> MasterKey::wrap(std::string_view plain, const std::string& tenant) const {
  const std::string ad = "shroud-service/keyset/v1|" + tenant;
  Bytes out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(out.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
                                             reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size(),
                                             reinterpret_cast<const std::uint8_t*>(ad.data()), ad.size(), nullptr,
                                             out.data(), key_.data());
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen);
  return out;
}

Result<std::string> MasterKey::unwrap(const Bytes& wrapped, const std::string& tenant) const {
  constexpr std::size_t kN = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr std::size_t kA = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (wrapped.size() < kN + kA) return make_error(ErrorCode::kCorrupt, "wrapped keyset is truncated");
  const std::string ad = "shroud-service/keyset/v1|" + tenant;
  std::string plain(wrapped.size() - kN - kA, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<std::uint8_t*>(plain.data()), &plen, nullptr,
                                                 wrapped.data() + kN, wrapped.size() - kN,
                                                 reinterpret_cast<const std::uint8_t*>(ad.data()), ad.size(),
                                                 wrapped.data(), key_.data()) != 0) {
    return make_error(ErrorCode::kAuthentication,
                      "the keyset of tenant '" + tenant + "' does not open with this master key (wrong key or tampered row)");
  }
  plain.resize(plen);
  return plain;
}

Result<SigningKey> SigningKey::generate() {
  SigningKey k;
  std::array<std::uint8_t, 32> pk{};
  crypto_sign_keypair(pk.data(), k.secret_.data());
  return k;
}

Result<SigningKey> SigningKey::load(const std::string& path) {
  SigningKey k;
  SHROUD_RETURN_IF_ERROR(load_hex_key(path, k.secret_, "Ed25519 secret key"));
  return k;
}

Status SigningKey::save(const std::string& secret_path, const std::string& public_path) const {
  SHROUD_RETURN_IF_ERROR(write_private_hex(secret_path, secret_.data(), secret_.size()));
  const std::string pub = public_hex() + "\n";
  return write_file_atomic(public_path, Bytes(pub.begin(), pub.end()), WriteOptions{false, 0644});
}

SigningKey::SigningKey(SigningKey&& o) noexcept : secret_(o.secret_) { sodium_memzero(o.secret_.data(), o.secret_.size()); }
SigningKey& SigningKey::operator=(SigningKey&& o) noexcept {
  secret_ = o.secret_;
  sodium_memzero(o.secret_.data(), o.secret_.size());
  return *this;
}
SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string SigningKey::sign_hex(std::string_view message) const {
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const std::uint8_t*>(message.data()), message.size(),
                       secret_.data());
  return to_hex(sig.data(), sig.size());
}

std::string SigningKey::public_hex() const {
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  crypto_sign_ed25519_sk_to_pk(pk.data(), secret_.data());
  return to_hex(pk.data(), pk.size());
}

bool verify_signature(std::string_view message, const std::string& signature_hex, const std::string& public_hex) {
  auto sig = from_hex(signature_hex);
  auto pk = from_hex(public_hex);
  if (!sig.ok() || !pk.ok() || sig->size() != crypto_sign_BYTES || pk->size() != crypto_sign_PUBLICKEYBYTES) return false;
  return crypto_sign_verify_detached(sig->data(), reinterpret_cast<const std::uint8_t*>(message.data()), message.size(),
                                     pk->data()) == 0;
}

}  // namespace shroud::service
