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
  nlohmann::json params = nlohmann::json::object();  // attack-specific extras (AttackInfo::params)
};

// One parameter an attack accepts through AttackOptions::params (`--param NAME=VALUE`).
// run_attack checks every given parameter against the attack's list before it runs: an unknown
// name, a wrong type or a value outside [min, max] is an error, so attacks read them safely.
struct AttackParam {
  enum class Type { kInt, kReal, kWord };
  std::string name;
  Type type = Type::kInt;
  double min = 0, max = 0;  // numbers: the inclusive range
  std::string help;
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
  std::vector<AttackParam> params = {};  // what `--param` accepts
};

// Checks `params` against an attack's declared parameters (run_attack does this first).
Status check_attack_params(const AttackInfo& attack, const nlohmann::json& params);

const std::vector<AttackInfo>& attack_registry();
Result<AttackResult> run_attack(const std::string& name, const AttackOptions& options);
nlohmann::json attack_result_json(const AttackResult& result);

}  // namespace shroud
