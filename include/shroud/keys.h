// Keys: keysets (symmetric master keys and recipient key pairs) and recipient public keys.
//
// Contract:
//  - A Keyset holds secret key material. It is move-only; the material lives in types that zero
//    it on destruction (sodium_memzero) and never leaves the library except through
//    save_keyset(). Nothing in this header prints or logs key material.
//  - Every key has a 32-bit id (random, non-zero, unique in its keyset), a status (enabled,
//    disabled), an algorithm and a creation time (UTC, RFC 3339). The primary key is the
//    symmetric key `protect --key` seals with; every enabled key can still open what it sealed,
//    so rotation (rotate()) never strands old files. A disabled key opens nothing.
//  - Recipient keys (X25519): the keyset holds the pair; only the public half (RecipientKey)
//    goes to the camera, which can seal but never open (see docs/keys.md).
//  - load_keyset() refuses a file that group or others can read/write (kPermission), that is not
//    a regular file, or that is over 1 MiB; save_keyset() writes mode 0600 atomically.
//  - Errors: kPermission (mode), kCorrupt (malformed JSON/material), kNotFound (missing file or
//    key id), kInvalidArgument. Thread-safety: const methods are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud {

enum class KeyAlgorithm {
  kSealSymmetric,   // "xchacha20poly1305-hkdf-sha256": a 32-byte master key
  kRecipientX25519, // "x25519-sealedbox": an X25519 key pair; files wrap a per-file key to it
};
const char* key_algorithm_name(KeyAlgorithm algorithm);

enum class KeyStatus { kEnabled, kDisabled };

// What may be shown about a key (no material).
struct KeyInfo {
  std::uint32_t id = 0;
  KeyAlgorithm algorithm = KeyAlgorithm::kSealSymmetric;
  KeyStatus status = KeyStatus::kEnabled;
  std::string created;  // RFC 3339 UTC, e.g. 2026-11-22T01:40:00Z
  bool primary = false;
};

// The public half of a recipient key pair: safe to copy to cameras.
struct RecipientKey {
  std::uint32_t id = 0;
  std::array<std::uint8_t, 32> public_key{};
  std::string created;
};

class Keyset {
 public:
  // A new keyset with one freshly generated symmetric key, which is primary.
  static Result<Keyset> generate();

  Keyset(Keyset&&) noexcept;
  Keyset& operator=(Keyset&&) noexcept;
  ~Keyset();

  // Adds a new symmetric key and makes it primary; older keys stay enabled. Returns its id.
  Result<std::uint32_t> rotate();
  // Adds a new X25519 recipient key pair; returns its public half.
  Result<RecipientKey> add_recipient();
  // Disables / enables a key by id (the primary cannot be disabled).
  Status set_status(std::uint32_t id, KeyStatus status);

  std::uint32_t primary_id() const;
  std::vector<KeyInfo> keys() const;
  // The public half of recipient key `id`.
  Result<RecipientKey> recipient(std::uint32_t id) const;

  struct Impl;  // defined in src/crypto (holds the secret material)
  const Impl& impl() const { return *impl_; }

 private:
  explicit Keyset(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend struct KeysetAccess;
};

// Loads a keyset file (JSON, format in docs/keys.md) after checking it is a regular file with
// no group/other permission bits.
Result<Keyset> load_keyset(const std::string& path);
// Parses keyset JSON (no permission check; used by load_keyset and the fuzzer).
Result<Keyset> parse_keyset(std::string_view json);
// Writes the keyset with mode 0600 (temp file, fsync, rename). Refuses to replace an existing
// file unless `overwrite`, and refuses a symlink at `path`.
Status save_keyset(const Keyset& keyset, const std::string& path, bool overwrite);
// The keyset as the JSON text save_keyset() writes (parse_keyset() reads it back). It holds key
// material: the caller must wipe it (sodium_memzero) when done (key custody wraps it at once).
std::string keyset_to_json(const Keyset& keyset);

// Recipient public key files (JSON, mode 0644; no secrets).
Result<RecipientKey> load_recipient_key(const std::string& path);
Result<RecipientKey> parse_recipient_key(std::string_view json);
std::string recipient_key_to_json(const RecipientKey& key);

}  // namespace shroud
