// libFuzzer target: end-to-end recovery of a sealed image file (PNG/JPEG with an embedded
// container) under a fixed keyset: carrier walkers, image decoding, container parsing, key
// lookup, manifest and tag verification. Seeds: scripts/fuzz seals images with the same keyset
// (fuzz/fixed_keyset.json).
#include "fixed_keyset.h"
#include "shroud/seal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const shroud::Keyset* keyset = &shroud::fuzz::fixed_keyset();
  if (size > (1 << 20)) return 0;
  // Keep decoding cheap: skip images whose header declares more than 4 Mpixels.
  std::vector<std::uint8_t> bytes(data, data + size);
  auto dims = shroud::probe_dimensions(bytes);
  if (dims.ok() && std::int64_t{dims->width} * dims->height > (4 << 20)) return 0;
  auto r = shroud::recover_image_file({data, size}, std::nullopt, *keyset);
  (void)r.ok();
  return 0;
}
