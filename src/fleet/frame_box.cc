#include "fleet/frame_box.h"

#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"

namespace shroud::fleet {
namespace {

std::string binding(const std::string& camera, std::int64_t index, const std::string& format) {
  return "shroud-frame/1\n" + camera + "\n" + std::to_string(index) + "\n" + format + "\n";
}

}  // namespace

Result<std::vector<std::uint8_t>> seal_frame(std::span<const std::uint8_t> frame, const RecipientKey& recipient,
                                             const std::string& camera, std::int64_t index,
                                             const std::string& format) {
  const std::string head = binding(camera, index, format);
  std::vector<std::uint8_t> plain(head.begin(), head.end());
  plain.insert(plain.end(), frame.begin(), frame.end());
  auto sealed = crypto::box_seal(plain, recipient.public_key);
  crypto::memzero(plain.data(), plain.size());
  return sealed;
}

Result<std::vector<std::uint8_t>> open_frame(std::span<const std::uint8_t> sealed, const Keyset& keyset,
                                             std::uint32_t key_id, const std::string& camera,
                                             std::int64_t index, const std::string& format) {
  const KeyEntry* k = keyset.impl().find(key_id);
  if (k == nullptr || k->info.algorithm != KeyAlgorithm::kRecipientX25519) {
    return make_error(ErrorCode::kNotFound, "sealed frame: no recipient key " + std::to_string(key_id) + " in the keyset");
  }
  if (sealed.size() < crypto::kBoxSealOverhead) return make_error(ErrorCode::kCorrupt, "sealed frame: truncated");
  std::vector<std::uint8_t> plain(sealed.size() - crypto::kBoxSealOverhead);
  SHROUD_RETURN_IF_ERROR(crypto::box_seal_open(sealed, k->public_key, k->material.view(), plain));
  const std::string head = binding(camera, index, format);
  if (plain.size() < head.size() || !std::equal(head.begin(), head.end(), plain.begin())) {
    crypto::memzero(plain.data(), plain.size());
    return make_error(ErrorCode::kCorrupt, "sealed frame: bound to another camera, frame or format than its headers say");
  }
  plain.erase(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(head.size()));
  return plain;
}

}  // namespace shroud::fleet
