// libFuzzer target: the shroud-v1 container parser. Property: whatever parses re-serializes to
// exactly the input (one canonical encoding), and nothing crashes or over-allocates.
#include <cstdlib>
#include <cstring>

#include "shroud/container.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  shroud::ContainerLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_pixels = 1 << 24;
  auto c = shroud::parse_container({data, size}, limits);
  if (c.ok()) {
    const auto again = shroud::serialize_container(*c);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  }
  return 0;
}
