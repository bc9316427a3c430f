// Internal: the secret contents of a Keyset, visible to src/crypto and the seal protector.
#pragma once

#include <optional>
#include <vector>

#include "crypto/crypto.h"
#include "shroud/keys.h"

namespace shroud {

struct KeyEntry {
  KeyInfo info;
  crypto::SecretKey material;                 // symmetric master key, or X25519 secret key
  std::array<std::uint8_t, 32> public_key{};  // recipient keys only
};

struct Keyset::Impl {
  std::uint32_t primary = 0;
  std::vector<KeyEntry> keys;

  const KeyEntry* find(std::uint32_t id) const {
    for (const auto& k : keys) {
      if (k.info.id == id) return &k;
    }
    return nullptr;
  }
};

// Reads a small key file (<= 1 MiB, regular, not a symlink); when `private_only`, refuses
// group/other permission bits (kPermission). Shared by keysets and signer keys.
Result<std::string> read_small_file(const std::string& path, bool private_only);
// The current UTC time, RFC 3339 ("2026-11-22T01:40:00Z").
std::string now_rfc3339();

}  // namespace shroud
