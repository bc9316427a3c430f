// libFuzzer target: keyset and recipient key JSON parsers.
#include <string_view>

#include "shroud/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ks = shroud::parse_keyset(text);
  if (ks.ok()) {
    (void)ks->keys();
    (void)ks->primary_id();
  }
  (void)shroud::parse_recipient_key(text);
  return 0;
}
