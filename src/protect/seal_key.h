// Internal: the key a seal uses and the key that opens it, in one place for sealed images (seal.cc), JPEG
// coefficient seals (through seal.cc) and video recovery tracks (track_writer.cc).
//   recipient mode: a fresh random master key per file, wrapped to the recipient's public key
//                   (crypto_box_seal), so the sealer cannot open what it sealed;
//   symmetric mode: the keyset's primary key, which must be an enabled symmetric seal key.
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"
#include "shroud/container.h"
#include "shroud/result.h"
#include "shroud/seal.h"

namespace shroud::detail {

struct SealMaster {
  KeyMode mode = KeyMode::kSymmetric;
  std::uint32_t key_id = 0;
  crypto::SecretKey master;
  std::vector<std::uint8_t> wrapped_key;  // recipient mode: kRecipientWrapBytes; else empty
};

// Checks that `keys` can seal (call before any placeholder is drawn, so a missing or disabled
// key leaves the caller's image untouched).
Status check_seal_key(const KeySource& keys);

// The master key of one sealed file and how a recovering party finds it.
Result<SealMaster> seal_master(const KeySource& keys);

// The recovering side: the master key of a file sealed with `mode` under `key_id` (`wrapped`:
// the recipient-wrapped key, else empty). The key must be in `keyset`, enabled, and of the
// algorithm the mode needs. `what` names the file in errors ("file", "video").
Result<crypto::SecretKey> open_seal_master(const Keyset& keyset, KeyMode mode, std::uint32_t key_id, crypto::ByteView wrapped,
                                           const char* what);

}  // namespace shroud::detail
