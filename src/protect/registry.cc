// The list of protection methods. Add a method here and it appears in `shroud list`.
#include "shroud/protector.h"
#include "shroud/registry.h"

namespace shroud {

std::unique_ptr<Protector> make_blur_protector();
std::unique_ptr<Protector> make_pixelate_protector();
std::unique_ptr<Protector> make_fill_protector();

const char* security_level_name(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kIrreversible: return "irreversible";
    case SecurityLevel::kAuthenticated: return "authenticated encryption";
    case SecurityLevel::kObfuscation: return "obfuscation (broken, see docs/security.md)";
    case SecurityLevel::kDifferentialPrivacy: return "differential privacy";
  }
  return "unknown";
}

const std::vector<ProtectorInfo>& protector_registry() {
  static const std::vector<ProtectorInfo> kProtectors = {
      {"blur", "Gaussian blur scaled to the region (sigma = strength x shorter side / 2)",
       SecurityLevel::kIrreversible, false},
      {"pixelate", "mosaic of cell means (--cells across the longer side)",
       SecurityLevel::kIrreversible, false},
      {"fill", "solid colour (--color B,G,R)", SecurityLevel::kIrreversible, false},
      {"seal", "XChaCha20-Poly1305 per region under a keyset or recipient key; placeholder shown "
               "(--key/--recipient, --placeholder); `shroud recover` restores bit-exactly",
       SecurityLevel::kAuthenticated, true},
  };
  return kProtectors;
}

Result<std::unique_ptr<Protector>> create_protector(const std::string& name) {
  if (name == "blur") return make_blur_protector();
  if (name == "pixelate") return make_pixelate_protector();
  if (name == "fill") return make_fill_protector();
  if (name == "seal") {
    return make_error(ErrorCode::kInvalidArgument,
                      "'seal' is reversible and needs a key: use seal_regions() (CLI: --key or --recipient)");
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown protection method '" + name + "' (see `shroud list`)");
}

}  // namespace shroud
