// Service cryptography: API tokens, the master key that wraps tenant keysets, and the audit
// trail's Ed25519 signing key. The only service code that calls libsodium.
//
// Contract:
//  - Tokens are "st_<id>_<secret>": a 16-hex-digit public id and 32 random bytes (hex). Only
//    BLAKE2b-256(token) is stored; authentication compares hashes in constant time.
//  - Keysets are wrapped with XChaCha20-Poly1305 under the 32-byte master key, with the tenant
//    name as associated data (a wrapped keyset moved to another tenant's row fails to open).
//  - Key files (master.key, audit.key) are hex text, mode 0600; loading refuses group/other bits.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud::service {

using Bytes = std::vector<std::uint8_t>;

Status crypto_init();
std::string random_hex(std::size_t bytes);
std::string to_hex(const std::uint8_t* data, std::size_t size);
inline std::string to_hex(const Bytes& b) { return to_hex(b.data(), b.size()); }
Result<Bytes> from_hex(std::string_view hex);
// BLAKE2b-256 as 64 hex digits.
std::string hash_hex(std::string_view data);
std::string hash_hex(const std::uint8_t* data, std::size_t size);
bool equal_ct(std::string_view a, std::string_view b);

struct Token {
  std::string id;       // public id (shown in listings and the audit trail)
  std::string secret;   // the whole token text, shown once
  std::string hash;     // hash_hex(secret): what is stored
};
Token new_token();
// The id of a well-formed token text, empty when malformed.
std::string token_id(std::string_view token);

// A 32-byte secret key (master key) zeroed on destruction.
class MasterKey {
 public:
  static Result<MasterKey> generate();
  static Result<MasterKey> load(const std::string& path);
  Status save(const std::string& path) const;   // 0600, refuses an existing file
  MasterKey(MasterKey&&) noexcept;
  MasterKey& operator=(MasterKey&&) noexcept;
  ~MasterKey();
  std::string fingerprint() const;   // BLAKE2b of a derived value: names the key, reveals nothing
  // Wraps / unwraps `plain` with the tenant as associated data. Output: nonce || ciphertext.
  Result<Bytes> wrap(std::string_view plain, const std::string& tenant) const;
  Result<std::string> unwrap(const Bytes& wrapped, const std::string& tenant) const;

 private:
  MasterKey() = default;
  std::array<std::uint8_t, 32> key_{};
};

// The audit trail's Ed25519 key pair.
class SigningKey {
 public:
  static Result<SigningKey> generate();
  static Result<SigningKey> load(const std::string& path);
  Status save(const std::string& secret_path, const std::string& public_path) const;
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();
  std::string sign_hex(std::string_view message) const;   // 64-byte detached signature, hex
  std::string public_hex() const;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 64> secret_{};
};

// Verifies a detached signature (hex) with a public key (hex).
bool verify_signature(std::string_view message, const std::string& signature_hex, const std::string& public_hex);

// Reads a small private file (no group/other permission bits, not a symlink).
Result<std::string> read_private_file(const std::string& path);

}  // namespace shroud::service
