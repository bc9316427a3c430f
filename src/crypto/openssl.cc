// OpenSSL 3 wrappers: HKDF-SHA256 (EVP_KDF "HKDF") and SHA-256 (EVP_Digest).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <mutex>

#include "crypto/crypto.h"

namespace shroud::crypto {
namespace {

// The fetched HKDF implementation, shared (EVP_KDF objects are immutable and thread-safe).
EVP_KDF* hkdf_impl() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

const EVP_MD* sha256_impl() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

constexpr std::size_t kMaxExpand = 255 * kHashBytes;

// One EVP_KDF derivation. `mode` is EVP_KDF_HKDF_MODE_*.
Status derive(int mode, ByteView salt, ByteView key, ByteView info, MutableBytes out) {
  EVP_KDF* kdf = hkdf_impl();
  if (kdf == nullptr) return make_error(ErrorCode::kInternal, "OpenSSL has no HKDF implementation");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  if (ctx == nullptr) return make_error(ErrorCode::kInternal, "out of memory (HKDF)");
  // OpenSSL refuses a NULL key pointer even for length 0; an empty IKM is valid HKDF input.
  static const std::uint8_t kEmpty[1] = {0};
  char digest[] = "SHA256";
  OSSL_PARAM params[6];
  int n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.empty() ? kEmpty : key.data()), key.size());
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY && !salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()),
                                                    salt.size());
  }
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && !info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()),
                                                    info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);  // clears its copy of the key
  if (rc != 1) {
    memzero(out.data(), out.size());
    return make_error(ErrorCode::kInternal, "HKDF derivation failed");
  }
  return ok_status();
}

}  // namespace

Result<SecretKey> hkdf_extract(ByteView salt, ByteView ikm) {
  SecretKey prk;
  SHROUD_RETURN_IF_ERROR(derive(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, ikm, {}, prk.span()));
  return prk;
}

Status hkdf_expand(ByteView prk, ByteView info, MutableBytes out) {
  if (prk.size() < kHashBytes) return make_error(ErrorCode::kInvalidArgument, "HKDF PRK must be at least 32 bytes");
  if (out.empty() || out.size() > kMaxExpand) {
    return make_error(ErrorCode::kInvalidArgument, "HKDF-SHA256 output must be 1 to 8160 bytes");
  }
  return derive(EVP_KDF_HKDF_MODE_EXPAND_ONLY, {}, prk, info, out);
}

Status hkdf(ByteView salt, ByteView ikm, ByteView info, MutableBytes out) {
  if (out.empty() || out.size() > kMaxExpand) {
    return make_error(ErrorCode::kInvalidArgument, "HKDF-SHA256 output must be 1 to 8160 bytes");
  }
  SHROUD_ASSIGN_OR_RETURN(SecretKey prk, hkdf_extract(salt, ikm));
  return hkdf_expand(prk.view(), info, out);
}

Result<SecretKey> hkdf_expand_key(ByteView prk, ByteView info) {
  SecretKey k;
  SHROUD_RETURN_IF_ERROR(hkdf_expand(prk, info, k.span()));
  return k;
}

Sha256::Sha256() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx != nullptr && sha256_impl() != nullptr && EVP_DigestInit_ex(ctx, sha256_impl(), nullptr) == 1) {
    ctx_ = ctx;
  } else {
    EVP_MD_CTX_free(ctx);
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(ByteView data) {
  if (ctx_ == nullptr || failed_ || data.empty()) return;
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1) failed_ = true;
}

Result<std::array<std::uint8_t, kHashBytes>> Sha256::finish() {
  std::array<std::uint8_t, kHashBytes> out{};
  unsigned int len = 0;
  if (ctx_ == nullptr || failed_ || EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len) != 1 ||
      len != kHashBytes) {
    failed_ = true;
    return make_error(ErrorCode::kInternal, "SHA-256 failed (OpenSSL)");
  }
  return out;
}

}  // namespace shroud::crypto
