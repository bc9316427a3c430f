// libFuzzer target: end-to-end recovery of a sealed image file (PNG/JPEG with an embedded
// container) under a fixed keyset: carrier walkers, image decoding, container parsing, key
// lookup, manifest and tag verification. Seeds: scripts/fuzz seals images with the same keyset
// (fuzz/fixed_keyset.json).
#include <string_view>

#include "shroud/seal.h"

namespace {
// Test-only key material (all public): never use outside the fuzzer.
constexpr std::string_view kKeyset = R"({"format": "shroud-keyset", "version": 1, "primary": 1,
 "keys": [{"id": 1, "status": "enabled", "algorithm": "xchacha20poly1305-hkdf-sha256",
           "created": "2026-01-01T00:00:00Z", "material": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const shroud::Keyset* keyset = [] {
    auto ks = shroud::parse_keyset(kKeyset);
    if (!ks.ok()) __builtin_trap();
    return new shroud::Keyset(std::move(*ks));
  }();
  if (size > (1 << 20)) return 0;
  // Keep decoding cheap: skip images whose header declares more than 4 Mpixels.
  std::vector<std::uint8_t> bytes(data, data + size);
  auto dims = shroud::probe_dimensions(bytes);
  if (dims.ok() && std::int64_t{dims->width} * dims->height > (4 << 20)) return 0;
  auto r = shroud::recover_image_file({data, size}, std::nullopt, *keyset);
  (void)r.ok();
  return 0;
}
