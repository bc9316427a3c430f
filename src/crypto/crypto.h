// Internal cryptography layer: the only code in Shroud that calls libsodium or OpenSSL.
//
// Everything here is a thin, size-checked wrapper over a library primitive; nothing is
// hand-written. Conventions:
//  - byte arguments are spans; every size is checked and a wrong size is an error, never UB;
//  - secrets live in SecretKey / SecretBytes, zeroed (sodium_memzero) on destruction;
//  - every open/verify/decrypt returns a [[nodiscard]] Status/Result; on failure the output
//    buffer is zeroed so no unauthenticated plaintext escapes;
//  - init() must have succeeded (it is called by every entry point; it is cheap after the first).
//
// Algorithms (fixed by format shroud-v1, see docs/container-format.md):
//  - AEAD: XChaCha20-Poly1305-IETF (libsodium), 32-byte key, 24-byte random nonce, 16-byte tag.
//    The random 192-bit nonce makes nonce reuse negligible even for 2^64 messages per key.
//    ChaCha20-Poly1305-IETF (12-byte nonce) is wrapped only for the Wycheproof tests: never use
//    it with random nonces under a long-lived key.
//  - KDF: HKDF-SHA256 (OpenSSL 3 EVP_KDF "HKDF"), extract and expand separately.
//  - MAC: HMAC-SHA256 (libsodium crypto_auth_hmacsha256), constant-time verification.
//  - Digest: SHA-256 (OpenSSL EVP, uses SHA-NI where present).
//  - Recipient wrap: crypto_box_seal (X25519 + XSalsa20-Poly1305, ephemeral sender key).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/result.h"

namespace shroud::crypto {

using ByteView = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kXNonceBytes = 24;     // XChaCha20-Poly1305
inline constexpr std::size_t kIetfNonceBytes = 12;  // ChaCha20-Poly1305-IETF
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kHashBytes = 32;       // SHA-256, HMAC-SHA256
inline constexpr std::size_t kBoxPublicBytes = 32;
inline constexpr std::size_t kBoxSecretBytes = 32;
inline constexpr std::size_t kBoxSealOverhead = 48;  // crypto_box_SEALBYTES

// Initialises libsodium once. kInternal when it cannot (no entropy source).
Status init();

// Zeroes memory in a way the compiler cannot elide.
void memzero(void* p, std::size_t n);
// Constant-time equality of two equal-length buffers (false when lengths differ).
bool equal_ct(ByteView a, ByteView b);

// Fills `out` from the operating system's CSPRNG (libsodium randombytes_buf).
Status random_bytes(MutableBytes out);

// A fixed-size secret: zeroed on destruction and on move-from; not copyable by accident.
template <std::size_t N>
class Secret {
 public:
  Secret() { bytes_.fill(0); }
  ~Secret() { memzero(bytes_.data(), N); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& o) noexcept : bytes_(o.bytes_) { memzero(o.bytes_.data(), N); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      memzero(o.bytes_.data(), N);
    }
    return *this;
  }
  Secret clone() const {
    Secret s;
    s.bytes_ = bytes_;
    return s;
  }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  MutableBytes span() { return {bytes_.data(), N}; }
  ByteView view() const { return {bytes_.data(), N}; }

 private:
  std::array<std::uint8_t, N> bytes_;
};
using SecretKey = Secret<kKeyBytes>;

// A variable-size secret buffer (decrypted pixels, captured originals): zeroed on destruction.
// Not zero-initialised: callers fill it completely before use.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t n) : bytes_(n > 0 ? new std::uint8_t[n] : nullptr), size_(n) {}
  ~SecretBytes() { wipe(); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : bytes_(std::move(o.bytes_)), size_(o.size_) { o.size_ = 0; }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      wipe();
      bytes_ = std::move(o.bytes_);
      size_ = o.size_;
      o.size_ = 0;
    }
    return *this;
  }
  void wipe() {
    if (bytes_) memzero(bytes_.get(), size_);
  }
  std::uint8_t* data() { return bytes_.get(); }
  const std::uint8_t* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  MutableBytes span() { return {bytes_.get(), size_}; }
  ByteView view() const { return {bytes_.get(), size_}; }

 private:
  std::unique_ptr<std::uint8_t[]> bytes_;
  std::size_t size_ = 0;
};

SecretKey random_key();  // aborts the process only if the CSPRNG is unusable after init()

// ---- AEAD --------------------------------------------------------------------------------
// XChaCha20-Poly1305-IETF. `out` must be plaintext.size() + kTagBytes (ciphertext || tag).
Status xchacha_encrypt(ByteView key, ByteView nonce, ByteView ad, ByteView plaintext,
                       MutableBytes out);
// `in` is ciphertext || tag; `out` must be in.size() - kTagBytes. kAuthentication on a bad tag
// (out is zeroed), kInvalidArgument on wrong key/nonce/buffer sizes.
[[nodiscard]] Status xchacha_decrypt(ByteView key, ByteView nonce, ByteView ad, ByteView in,
                                     MutableBytes out);
// ChaCha20-Poly1305-IETF (RFC 8439), same conventions, 12-byte nonce. Tests only.
Status chacha_ietf_encrypt(ByteView key, ByteView nonce, ByteView ad, ByteView plaintext,
                           MutableBytes out);
[[nodiscard]] Status chacha_ietf_decrypt(ByteView key, ByteView nonce, ByteView ad, ByteView in,
                                         MutableBytes out);

// ---- KDF / MAC / hash --------------------------------------------------------------------
// HKDF-SHA256 (RFC 5869). Extract: PRK = HMAC(salt, ikm) (empty salt = 32 zero bytes).
Result<SecretKey> hkdf_extract(ByteView salt, ByteView ikm);
// Expand to out.size() bytes (1 .. 255*32; larger is kInvalidArgument). prk must be >= 32 bytes.
Status hkdf_expand(ByteView prk, ByteView info, MutableBytes out);
// Extract then expand (what the Wycheproof vectors test).
Status hkdf(ByteView salt, ByteView ikm, ByteView info, MutableBytes out);
// Convenience: a 32-byte key from Expand.
Result<SecretKey> hkdf_expand_key(ByteView prk, ByteView info);

// HMAC-SHA256 with a 32-byte key.
std::array<std::uint8_t, kHashBytes> hmac_sha256(ByteView key, ByteView message);
[[nodiscard]] bool hmac_sha256_verify(ByteView key, ByteView message, ByteView tag);

// Streaming SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(ByteView data);
  // kInternal when OpenSSL failed at any step (no SHA-256, out of memory): never a digest of zeros.
  [[nodiscard]] Result<std::array<std::uint8_t, kHashBytes>> finish();
  bool ok() const { return ctx_ != nullptr && !failed_; }

 private:
  void* ctx_ = nullptr;
  bool failed_ = false;
};

// ---- recipient keys ----------------------------------------------------------------------
struct BoxKeyPair {
  std::array<std::uint8_t, kBoxPublicBytes> public_key{};
  Secret<kBoxSecretBytes> secret_key;
};
Result<BoxKeyPair> box_keypair();
// Public key of a secret key (crypto_scalarmult_base).
Result<std::array<std::uint8_t, kBoxPublicBytes>> box_public_from_secret(ByteView secret_key);
// crypto_box_seal: out = message.size() + kBoxSealOverhead bytes.
Result<std::vector<std::uint8_t>> box_seal(ByteView message, ByteView public_key);
// crypto_box_seal_open into `out` (sealed.size() - kBoxSealOverhead bytes); kAuthentication.
[[nodiscard]] Status box_seal_open(ByteView sealed, ByteView public_key, ByteView secret_key,
                                   MutableBytes out);
// Raw X25519 (crypto_scalarmult); kAuthentication when the result is all zero (low order).
[[nodiscard]] Status x25519(ByteView secret_key, ByteView public_key, MutableBytes shared);

// ---- signatures and BLAKE2b (signed provenance, docs/provenance.md) ----------------------
inline constexpr std::size_t kSignPublicBytes = 32;   // Ed25519 public key
inline constexpr std::size_t kSignSeedBytes = 32;     // Ed25519 seed (the secret we store)
inline constexpr std::size_t kSignatureBytes = 64;
// Ed25519 (libsodium crypto_sign): a fresh seed, the public key of a seed, detached signatures.
Status sign_seed(MutableBytes seed);
Result<std::array<std::uint8_t, kSignPublicBytes>> sign_public_from_seed(ByteView seed);
Result<std::array<std::uint8_t, kSignatureBytes>> sign_detached(ByteView seed, ByteView message);
[[nodiscard]] bool sign_verify_detached(ByteView signature, ByteView message, ByteView public_key);

// BLAKE2b-256 (crypto_generichash), unkeyed. One shot and streaming.
std::array<std::uint8_t, kHashBytes> blake2b(ByteView message);
class Blake2b {
 public:
  Blake2b();
  ~Blake2b();
  Blake2b(const Blake2b&) = delete;
  Blake2b& operator=(const Blake2b&) = delete;
  void update(ByteView data);
  std::array<std::uint8_t, kHashBytes> finish();

 private:
  alignas(64) std::uint8_t state_[384];
};

// ---- encodings ---------------------------------------------------------------------------
std::string to_base64(ByteView bytes);
std::string to_hex(ByteView bytes);  // lowercase
// Decodes standard base64 (with padding) into `out` of exactly the expected size.
[[nodiscard]] Status from_base64_exact(std::string_view text, MutableBytes out);

}  // namespace shroud::crypto
