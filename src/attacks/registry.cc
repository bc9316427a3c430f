#include "attacks/attacks.h"

namespace shroud {

const std::vector<AttackInfo>& attack_registry() {
  static const std::vector<AttackInfo> kAttacks = {
      {"dp-plate-epsilon", "D1",
       "true epsilon of the paper's Laplace+wrap plate mechanism (exact table) and a one-shot distinguishing game",
       {"paper", "rr"}, attacks::dp_plate_epsilon},
      {"dp-plate-average", "D2",
       "maximum-likelihood plate recovery from N noised frames (per-frame draws vs Shroud's one draw per track)",
       {"per-frame", "per-track"}, attacks::dp_plate_average},
      {"blur-deconvolve", "S4",
       "Wiener deconvolution with the known Gaussian kernel raises the blurred region's PSNR",
       {"gaussian", "blur", "seal"}, attacks::blur_deconvolve},
  };
  return kAttacks;
}

Result<AttackResult> run_attack(const std::string& name, const AttackOptions& options) {
  for (const auto& a : attack_registry()) {
    if (a.name != name) continue;
    AttackOptions o = options;
    if (o.scheme.empty()) o.scheme = a.schemes.front();
    bool known = false;
    for (const auto& s : a.schemes) known = known || s == o.scheme;
    if (!known) {
      std::string list;
      for (const auto& s : a.schemes) list += (list.empty() ? "" : ", ") + s;
      return make_error(ErrorCode::kInvalidArgument,
                        "attack '" + name + "' does not apply to scheme '" + o.scheme + "' (it runs against: " + list + ")");
    }
    auto r = a.run(o);
    if (r.ok()) {
      r->attack = name;
      r->scheme = o.scheme;
    }
    return r;
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown attack '" + name + "' (see `shroud list`)");
}

nlohmann::json attack_result_json(const AttackResult& r) {
  return {{"attack", r.attack}, {"scheme", r.scheme}, {"success", r.success}, {"summary", r.summary}, {"detail", r.detail}};
}

}  // namespace shroud
