// libsodium wrappers: initialisation, memory, randomness, AEAD, HMAC, sealed boxes, base64.
#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include "crypto/crypto.h"

namespace shroud::crypto {

Status init() {
  static const int rc = sodium_init();  // 0 first time, 1 already initialised, -1 failure
  if (rc < 0) return make_error(ErrorCode::kInternal, "libsodium could not be initialised");
  return ok_status();
}

void memzero(void* p, std::size_t n) {
  if (p != nullptr && n > 0) sodium_memzero(p, n);
}

bool equal_ct(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status random_bytes(MutableBytes out) {
  SHROUD_RETURN_IF_ERROR(init());
  if (!out.empty()) randombytes_buf(out.data(), out.size());
  return ok_status();
}

SecretKey random_key() {
  SecretKey k;
  if (!random_bytes(k.span()).ok()) std::abort();  // no CSPRNG: never continue with a zero key
  return k;
}

namespace {

Status check_aead_sizes(ByteView key, ByteView nonce, std::size_t nonce_bytes) {
  if (key.size() != kKeyBytes) return make_error(ErrorCode::kInvalidArgument, "AEAD key must be 32 bytes");
  if (nonce.size() != nonce_bytes) {
    return make_error(ErrorCode::kInvalidArgument, "AEAD nonce must be " + std::to_string(nonce_bytes) + " bytes");
  }
  return init();
}

}  // namespace

namespace {

// The two IETF ChaCha20-Poly1305 AEADs differ only in the libsodium functions and nonce size.
using AeadEncrypt = decltype(&crypto_aead_xchacha20poly1305_ietf_encrypt);
using AeadDecrypt = decltype(&crypto_aead_xchacha20poly1305_ietf_decrypt);

Status aead_encrypt(AeadEncrypt encrypt, std::size_t nonce_bytes, ByteView key, ByteView nonce, ByteView ad,
                    ByteView plaintext, MutableBytes out) {
  SHROUD_RETURN_IF_ERROR(check_aead_sizes(key, nonce, nonce_bytes));
  if (out.size() != plaintext.size() + kTagBytes) {
    return make_error(ErrorCode::kInvalidArgument, "AEAD output buffer has the wrong size");
  }
  unsigned long long clen = 0;
  encrypt(out.data(), &clen, plaintext.data(), plaintext.size(), ad.data(), ad.size(), nullptr, nonce.data(), key.data());
  return ok_status();
}

Status aead_decrypt(AeadDecrypt decrypt, std::size_t nonce_bytes, ByteView key, ByteView nonce, ByteView ad, ByteView in,
                    MutableBytes out) {
  SHROUD_RETURN_IF_ERROR(check_aead_sizes(key, nonce, nonce_bytes));
  if (in.size() < kTagBytes) return make_error(ErrorCode::kAuthentication, "ciphertext shorter than its tag");
  if (out.size() != in.size() - kTagBytes) {
    return make_error(ErrorCode::kInvalidArgument, "AEAD output buffer has the wrong size");
  }
  unsigned long long mlen = 0;
  if (decrypt(out.data(), &mlen, nullptr, in.data(), in.size(), ad.data(), ad.size(), nonce.data(), key.data()) != 0) {
    memzero(out.data(), out.size());
    return make_error(ErrorCode::kAuthentication, "authentication tag mismatch");
  }
  return ok_status();
}

}  // namespace

Status xchacha_encrypt(ByteView key, ByteView nonce, ByteView ad, ByteView plaintext, MutableBytes out) {
  return aead_encrypt(crypto_aead_xchacha20poly1305_ietf_encrypt, kXNonceBytes, key, nonce, ad, plaintext, out);
}

Status xchacha_decrypt(ByteView key, ByteView nonce, ByteView ad, ByteView in, MutableBytes out) {
  return aead_decrypt(crypto_aead_xchacha20poly1305_ietf_decrypt, kXNonceBytes, key, nonce, ad, in, out);
}

Status chacha_ietf_encrypt(ByteView key, ByteView nonce, ByteView ad, ByteView plaintext, MutableBytes out) {
  return aead_encrypt(crypto_aead_chacha20poly1305_ietf_encrypt, kIetfNonceBytes, key, nonce, ad, plaintext, out);
}

Status chacha_ietf_decrypt(ByteView key, ByteView nonce, ByteView ad, ByteView in, MutableBytes out) {
  return aead_decrypt(crypto_aead_chacha20poly1305_ietf_decrypt, kIetfNonceBytes, key, nonce, ad, in, out);
}

std::array<std::uint8_t, kHashBytes> hmac_sha256(ByteView key, ByteView message) {
  std::array<std::uint8_t, kHashBytes> tag{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, message.data(), message.size());
  crypto_auth_hmacsha256_final(&st, tag.data());
  memzero(&st, sizeof st);
  return tag;
}

bool hmac_sha256_verify(ByteView key, ByteView message, ByteView tag) {
  if (tag.size() != kHashBytes) return false;
  auto expected = hmac_sha256(key, message);
  const bool ok = crypto_verify_32(expected.data(), tag.data()) == 0;
  memzero(expected.data(), expected.size());
  return ok;
}

Result<BoxKeyPair> box_keypair() {
  SHROUD_RETURN_IF_ERROR(init());
  BoxKeyPair kp;
  if (crypto_box_keypair(kp.public_key.data(), kp.secret_key.data()) != 0) {
    return make_error(ErrorCode::kInternal, "X25519 key generation failed");
  }
  return kp;
}

Result<std::array<std::uint8_t, kBoxPublicBytes>> box_public_from_secret(ByteView secret_key) {
  SHROUD_RETURN_IF_ERROR(init());
  if (secret_key.size() != kBoxSecretBytes) return make_error(ErrorCode::kInvalidArgument, "X25519 secret key must be 32 bytes");
  std::array<std::uint8_t, kBoxPublicBytes> pk{};
  if (crypto_scalarmult_base(pk.data(), secret_key.data()) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "invalid X25519 secret key");
  }
  return pk;
}

Result<std::vector<std::uint8_t>> box_seal(ByteView message, ByteView public_key) {
  SHROUD_RETURN_IF_ERROR(init());
  if (public_key.size() != kBoxPublicBytes) return make_error(ErrorCode::kInvalidArgument, "X25519 public key must be 32 bytes");
  std::vector<std::uint8_t> out(message.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(out.data(), message.data(), message.size(), public_key.data()) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "sealing to the recipient key failed (invalid public key)");
  }
  return out;
}

Status box_seal_open(ByteView sealed, ByteView public_key, ByteView secret_key, MutableBytes out) {
  SHROUD_RETURN_IF_ERROR(init());
  if (public_key.size() != kBoxPublicBytes || secret_key.size() != kBoxSecretBytes) {
    return make_error(ErrorCode::kInvalidArgument, "X25519 keys must be 32 bytes");
  }
  if (sealed.size() < crypto_box_SEALBYTES || out.size() != sealed.size() - crypto_box_SEALBYTES) {
    return make_error(ErrorCode::kAuthentication, "wrapped key has the wrong size");
  }
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), public_key.data(), secret_key.data()) != 0) {
    memzero(out.data(), out.size());
    return make_error(ErrorCode::kAuthentication, "the file key is not wrapped to this recipient key (or was altered)");
  }
  return ok_status();
}

Status x25519(ByteView secret_key, ByteView public_key, MutableBytes shared) {
  SHROUD_RETURN_IF_ERROR(init());
  if (secret_key.size() != crypto_scalarmult_SCALARBYTES || public_key.size() != crypto_scalarmult_BYTES ||
      shared.size() != crypto_scalarmult_BYTES) {
    return make_error(ErrorCode::kInvalidArgument, "X25519 inputs must be 32 bytes");
  }
  if (crypto_scalarmult(shared.data(), secret_key.data(), public_key.data()) != 0) {
    memzero(shared.data(), shared.size());
    return make_error(ErrorCode::kAuthentication, "X25519 produced the all-zero shared secret (low-order point)");
  }
  return ok_status();
}

std::string to_base64(ByteView bytes) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status from_base64_exact(std::string_view text, MutableBytes out) {
  SHROUD_RETURN_IF_ERROR(init());
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || len != out.size()) {
    memzero(out.data(), out.size());
    return make_error(ErrorCode::kCorrupt, "key material is not base64 of " + std::to_string(out.size()) + " bytes");
  }
  return ok_status();
}

}  // namespace shroud::crypto

// ---- Ed25519 and BLAKE2b -------------------------------------------------------------------
namespace shroud::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384, "Blake2b state buffer too small");

Status sign_seed(MutableBytes seed) {
  if (seed.size() != kSignSeedBytes) return make_error(ErrorCode::kInvalidArgument, "Ed25519 seed must be 32 bytes");
  return random_bytes(seed);
}

namespace {

// The Ed25519 key pair of a 32-byte seed (the secret half is wiped when `sk` goes).
Status seed_keypair(ByteView seed, std::array<std::uint8_t, kSignPublicBytes>& pk, Secret<crypto_sign_SECRETKEYBYTES>& sk) {
  SHROUD_RETURN_IF_ERROR(init());
  if (seed.size() != kSignSeedBytes) return make_error(ErrorCode::kInvalidArgument, "Ed25519 seed must be 32 bytes");
  if (crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data()) != 0) {
    return make_error(ErrorCode::kInternal, "Ed25519 key derivation failed");
  }
  return ok_status();
}

}  // namespace

Result<std::array<std::uint8_t, kSignPublicBytes>> sign_public_from_seed(ByteView seed) {
  std::array<std::uint8_t, kSignPublicBytes> pk{};
  Secret<crypto_sign_SECRETKEYBYTES> sk;
  SHROUD_RETURN_IF_ERROR(seed_keypair(seed, pk, sk));
  return pk;
}

Result<std::array<std::uint8_t, kSignatureBytes>> sign_detached(ByteView seed, ByteView message) {
  std::array<std::uint8_t, kSignPublicBytes> pk{};
  Secret<crypto_sign_SECRETKEYBYTES> sk;
  SHROUD_RETURN_IF_ERROR(seed_keypair(seed, pk, sk));
  std::array<std::uint8_t, kSignatureBytes> sig{};
  if (crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data()) != 0) {
    return make_error(ErrorCode::kInternal, "Ed25519 signing failed");
  }
  return sig;
}

bool sign_verify_detached(ByteView signature, ByteView message, ByteView public_key) {
  if (!init().ok() || signature.size() != kSignatureBytes || public_key.size() != kSignPublicBytes) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

std::array<std::uint8_t, kHashBytes> blake2b(ByteView message) {
  Blake2b h;
  h.update(message);
  return h.finish();
}

Blake2b::Blake2b() {
  (void)init();
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, kHashBytes);
}
Blake2b::~Blake2b() { memzero(state_, sizeof state_); }
void Blake2b::update(ByteView data) {
  if (!data.empty()) crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(), data.size());
}
std::array<std::uint8_t, kHashBytes> Blake2b::finish() {
  std::array<std::uint8_t, kHashBytes> out{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out.data(), out.size());
  return out;
}

}  // namespace shroud::crypto

namespace shroud::crypto {
std::string to_hex(ByteView bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}
}  // namespace shroud::crypto
