// libFuzzer target: signed provenance records (provenance.h) and the trusted-signers parser.
// The record parser must never crash or read out of bounds; a parsed record is checked against a
// fixed trusted key (the signature rejects every mutation), and an image payload is split.
#include <cstring>
#include <span>
#include <string_view>

#include "shroud/provenance.h"
#include "shroud/signer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  static const std::vector<shroud::SignerPublicKey> trusted = [] {
    shroud::SignerPublicKey k;
    k.public_key.fill(0x5a);
    k.id = shroud::signer_id(k.public_key);
    return std::vector<shroud::SignerPublicKey>{k};
  }();
  auto rec = shroud::parse_provenance(bytes);
  if (rec.ok()) {
    if (rec->size > size) __builtin_trap();
    (void)shroud::verify_provenance(*rec, trusted);
  }
  auto split = shroud::split_signed_payload(bytes);
  if (split.ok() && split->container.size() > size) __builtin_trap();
  (void)shroud::parse_trusted_signers(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
