// The fuzzers' fixed keyset (the same as fuzz/fixed_keyset.json, which scripts/fuzz seals the
// seeds with), parsed once. Test-only key material (all public): never use outside the fuzzers.
#pragma once

#include <string_view>

#include "shroud/keys.h"

namespace shroud::fuzz {

inline const Keyset& fixed_keyset() {
  static const Keyset* keyset = [] {
    constexpr std::string_view kKeyset = R"({"format": "shroud-keyset", "version": 1, "primary": 1,
 "keys": [{"id": 1, "status": "enabled", "algorithm": "xchacha20poly1305-hkdf-sha256",
           "created": "2026-01-01T00:00:00Z", "material": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]})";
    auto ks = parse_keyset(kKeyset);
    if (!ks.ok()) __builtin_trap();
    return new Keyset(std::move(*ks));
  }();
  return *keyset;
}

}  // namespace shroud::fuzz
