// Internal: offload sealing of whole encoded frames (`shroud camera --offload`).
//
// A weak camera does not decode, detect or re-encode: it seals the encoded frame bytes to the
// worker pool's X25519 recipient key with crypto_box_seal (ephemeral sender key,
// XSalsa20-Poly1305; 48 bytes overhead), so the broker and every node between camera and worker
// hold only ciphertext. The sealed plaintext starts with "shroud-frame/1\n<camera>\n<index>\n
// <format>\n", which open_frame() checks against the message headers: a frame cannot be replayed
// under another camera or index without detection. The camera holds only the public key.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "shroud/keys.h"
#include "shroud/result.h"

namespace shroud::fleet {

inline constexpr const char* kSealedScheme = "box/1";

Result<std::vector<std::uint8_t>> seal_frame(std::span<const std::uint8_t> frame, const RecipientKey& recipient,
                                             const std::string& camera, std::int64_t index,
                                             const std::string& format);

// Opens with the recipient key `key_id` of `keyset`; kAuthentication when the ciphertext was
// altered or sealed to another key, kCorrupt when its binding does not match camera/index/format.
[[nodiscard]] Result<std::vector<std::uint8_t>> open_frame(std::span<const std::uint8_t> sealed, const Keyset& keyset,
                                                           std::uint32_t key_id, const std::string& camera,
                                                           std::int64_t index, const std::string& format);

}  // namespace shroud::fleet
