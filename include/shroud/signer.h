// Signer keys: a device's Ed25519 signing key for signed provenance (docs/provenance.md).
//
// Contract:
//  - A SignerKey holds a 32-byte Ed25519 seed (libsodium crypto_sign_seed_keypair). It is
//    move-only, zeroed on destruction, and leaves the library only through save_signer(). Nothing
//    here prints or logs the seed.
//  - A signer's id is derived from its public key: the first 8 bytes of
//    BLAKE2b-256("shroud-signer-id/v1" || public key), as 16 lowercase hex digits. So an id cannot
//    be claimed by another key; records name their signer by id and verifiers look the id up in
//    a trusted-signers file.
//  - load_signer() refuses a file group or others may access (kPermission), a symlink, a file
//    that is not regular or is over 1 MiB; save_signer() writes mode 0600 atomically and never
//    replaces an existing file unless `overwrite`.
//  - Public key files and trusted-signers files hold no secret.
//  - Errors: kPermission, kCorrupt (malformed JSON or key), kNotFound, kInvalidArgument.
//    Thread-safety: const methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud {

inline constexpr std::size_t kSignerIdBytes = 8;
inline constexpr std::size_t kSignatureBytes = 64;

// The public half: safe to copy anywhere.
struct SignerPublicKey {
  std::string id;                              // 16 hex digits, derived from public_key
  std::array<std::uint8_t, 32> public_key{};
  std::string name;                            // free text (device name), may be empty
  std::string created;                         // RFC 3339 UTC
};

// The 8 id bytes of a public key, and their hex form.
std::array<std::uint8_t, kSignerIdBytes> signer_id_bytes(const std::array<std::uint8_t, 32>& public_key);
std::string signer_id(const std::array<std::uint8_t, 32>& public_key);

class SignerKey {
 public:
  static Result<SignerKey> generate(const std::string& name = "");
  SignerKey(SignerKey&&) noexcept;
  SignerKey& operator=(SignerKey&&) noexcept;
  ~SignerKey();

  const SignerPublicKey& public_key() const;
  // Ed25519 detached signature of `message`.
  Result<std::array<std::uint8_t, kSignatureBytes>> sign(std::span<const std::uint8_t> message) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit SignerKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend struct SignerAccess;
};

// Verifies an Ed25519 signature with a public key (false on any size mismatch).
[[nodiscard]] bool verify_signature(const SignerPublicKey& key, std::span<const std::uint8_t> message,
                                    std::span<const std::uint8_t> signature);

// Secret key file (JSON, format "shroud-signer", mode 0600).
Result<SignerKey> load_signer(const std::string& path);
Result<SignerKey> parse_signer(std::string_view json);
Status save_signer(const SignerKey& key, const std::string& path, bool overwrite);

// Public key file (JSON, format "shroud-signer-public").
std::string signer_public_to_json(const SignerPublicKey& key);
Result<SignerPublicKey> parse_signer_public(std::string_view json);

// Trusted signers: a file listing public keys ({"format": "shroud-trusted-signers", "version": 1,
// "signers": [<public key objects>]}), or a single public key file. Ids must match their keys and
// be unique.
Result<std::vector<SignerPublicKey>> parse_trusted_signers(std::string_view json);
Result<std::vector<SignerPublicKey>> load_trusted_signers(const std::string& path);
std::string trusted_signers_to_json(const std::vector<SignerPublicKey>& keys);

}  // namespace shroud
