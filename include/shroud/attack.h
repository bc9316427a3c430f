// Attacks: working attacks on the papers' schemes, and the same attacks run against the secure
// default, so users choose with open eyes (docs/security.md).
//
// Every attack reports `success` as a fraction in [0, 1] (what share of the secret, pixels,
// plates or trials it recovered), plus attack-specific detail. Attacks are created by name from
// the registry; `shroud attack NAME [--scheme S] --json` runs one.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud {

struct AttackOptions {
  std::string scheme;               // target scheme; empty: the attack's default (the paper's)
  std::vector<std::string> images;  // user images (empty: generated or sample images)
  int trials = 0;                   // 0: the attack's default
  std::uint64_t seed = 1;           // for generated data (keys always come from the CSPRNG)
  double epsilon = 1.0;             // DP attacks
  nlohmann::json params = nlohmann::json::object();  // attack-specific extras
};

struct AttackResult {
  std::string attack;
  std::string scheme;
  double success = 0.0;    // in [0, 1]
  std::string summary;     // one line for people
  nlohmann::json detail = nlohmann::json::object();
};

struct AttackInfo {
  std::string name;                  // e.g. "dp-plate-average"
  std::string code;                  // SECURITY.md id, e.g. "D2"
  std::string summary;               // one line for `shroud list`
  std::vector<std::string> schemes;  // schemes it runs against; the first is the default
  std::function<Result<AttackResult>(const AttackOptions&)> run;
};

const std::vector<AttackInfo>& attack_registry();
Result<AttackResult> run_attack(const std::string& name, const AttackOptions& options);
nlohmann::json attack_result_json(const AttackResult& result);

}  // namespace shroud
