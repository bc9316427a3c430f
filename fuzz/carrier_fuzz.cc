// libFuzzer target: PNG chunk / JPEG APP11 walkers that find the embedded container, then the
// container parser on what they return; and embedding into whatever parses as PNG/JPEG.
#include "shroud/container.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  shroud::ContainerLimits limits;
  limits.max_bytes = 1 << 20;
  std::span<const std::uint8_t> in(data, size);
  auto found = shroud::extract_container(in, limits);
  if (found.ok() && found->has_value()) {
    (void)shroud::parse_container(**found, limits);
  }
  if (found.ok() && !found->has_value() && size < 4096) {
    static const std::uint8_t kPayload[100] = {'S', 'H', 'R', 'D'};
    auto embedded = shroud::embed_container(in, kPayload);
    if (embedded.ok()) {
      auto back = shroud::extract_container(*embedded, limits);
      if (!back.ok() || !back->has_value() || (*back)->size() != sizeof kPayload) __builtin_trap();
    }
  }
  return 0;
}
