#include "protect/seal_key.h"

namespace shroud::detail {
namespace {

// The recipient (nullptr returned) or the keyset's enabled symmetric primary key.
Result<const KeyEntry*> seal_key(const KeySource& keys) {
  if (keys.recipient != nullptr) return static_cast<const KeyEntry*>(nullptr);
  if (keys.keyset == nullptr) return make_error(ErrorCode::kInvalidArgument, "seal: no key given (a keyset or a recipient key)");
  const auto& ks = keys.keyset->impl();
  const KeyEntry* e = ks.find(ks.primary);
  if (e == nullptr || e->info.algorithm != KeyAlgorithm::kSealSymmetric || e->info.status != KeyStatus::kEnabled) {
    return make_error(ErrorCode::kInvalidArgument, "seal: the keyset has no enabled symmetric primary key");
  }
  return e;
}

}  // namespace

Status check_seal_key(const KeySource& keys) {
  auto e = seal_key(keys);
  return e.ok() ? ok_status() : Status(e.error());
}

Result<SealMaster> seal_master(const KeySource& keys) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_ASSIGN_OR_RETURN(const KeyEntry* e, seal_key(keys));
  SealMaster m;
  if (keys.recipient != nullptr) {
    m.mode = KeyMode::kRecipient;
    m.key_id = keys.recipient->id;
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes(m.master.span()));
    SHROUD_ASSIGN_OR_RETURN(m.wrapped_key, crypto::box_seal(m.master.view(), keys.recipient->public_key));
    if (m.wrapped_key.size() != kRecipientWrapBytes) return make_error(ErrorCode::kInternal, "unexpected wrapped key size");
  } else {
    m.mode = KeyMode::kSymmetric;
    m.key_id = e->info.id;
    m.master = e->material.clone();
  }
  return m;
}

Result<crypto::SecretKey> open_seal_master(const Keyset& keyset, KeyMode mode, std::uint32_t key_id, crypto::ByteView wrapped,
                                           const char* what) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  const KeyEntry* key = keyset.impl().find(key_id);
  if (key == nullptr) {
    return make_error(ErrorCode::kNotFound,
                      std::string("the ") + what + " was sealed with key id " + std::to_string(key_id) + ", which is not in this keyset");
  }
  if (key->info.status != KeyStatus::kEnabled) {
    return make_error(ErrorCode::kPermission, "key " + std::to_string(key_id) + " is disabled in this keyset");
  }
  const KeyAlgorithm want = mode == KeyMode::kRecipient ? KeyAlgorithm::kRecipientX25519 : KeyAlgorithm::kSealSymmetric;
  if (key->info.algorithm != want) {
    return make_error(ErrorCode::kAuthentication, "key " + std::to_string(key_id) + " has the wrong algorithm for this " + what);
  }
  crypto::SecretKey master;
  if (mode == KeyMode::kRecipient) {
    SHROUD_RETURN_IF_ERROR(crypto::box_seal_open(wrapped, key->public_key, key->material.view(), master.span()));
  } else {
    master = key->material.clone();
  }
  return master;
}

}  // namespace shroud::detail
