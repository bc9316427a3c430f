// Differential-privacy accounting for the engine's reports.
#include "engine/engine_impl.h"
#include "shroud/dp_plate.h"

namespace shroud::engine {

// Epsilon spent by a DP action: nominal (what the user asked for, composed over the plate's
// symbols) and true (what the mechanism actually guarantees between any two inputs).
std::optional<nlohmann::json> epsilon_json(const Action& a) {
  if (a.method == "dp-pixelate") {
    return nlohmann::json{{"nominal", a.params.epsilon}, {"true", a.params.epsilon}, {"unit", "image, m-pixel neighbours"},
                          {"m", a.params.dp_m}, {"cell", a.params.dp_cell}};
  }
  if (a.method == "generate") {
    return nlohmann::json{{"nominal", a.params.epsilon}, {"true", a.params.epsilon}, {"unit", "region latent, L1 clip"},
                          {"latent_clip", a.params.latent_clip}};
  }
  if (a.method != "dp-plate") return std::nullopt;
  auto mech = dp::parse_mechanism(a.params.mechanism);
  if (!mech.ok() || a.region.text.empty()) return std::nullopt;
  auto acc = dp::plate_epsilon(a.region.text, a.params.plate_style, a.params.epsilon, *mech);
  if (!acc.ok()) return std::nullopt;
  return nlohmann::json{{"mechanism", dp::mechanism_name(*mech)},
                        {"per_symbol_nominal", a.params.epsilon},
                        {"nominal", acc->nominal},
                        {"true", acc->actual},
                        {"symbols", acc->symbols},
                        {"unit", "plate (composed over symbols)"}};
}

}  // namespace shroud::engine
