// shroud list: detectors and protection methods known to this build.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "commands.h"
#include "shroud/attack.h"
#include "shroud/registry.h"

namespace shroud::cli {

void add_list(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("list", "list detectors and protection methods with their security level");
  auto json_out = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json_out, "print JSON");
  cmd->callback([&g, json_out] {
    if (*json_out) {
      nlohmann::json j;
      for (const auto& d : detector_registry()) {
        j["detectors"].push_back({{"name", d.name}, {"summary", d.summary}, {"kinds", d.kinds}});
      }
      for (const auto& p : protector_registry()) {
        j["methods"].push_back({{"name", p.name}, {"summary", p.summary},
                                {"security", security_level_name(p.level)}, {"reversible", p.reversible}});
      }
      for (const auto& a : attack_registry()) {
        nlohmann::json params = nlohmann::json::array();
        for (const auto& p : a.params) {
          nlohmann::json q = {{"name", p.name}, {"help", p.help}};
          if (p.type == AttackParam::Type::kWord) {
            q["type"] = "word";
          } else {
            q["type"] = p.type == AttackParam::Type::kInt ? "integer" : "number";
            q["min"] = p.min;
            q["max"] = p.max;
          }
          params.push_back(q);
        }
        j["attacks"].push_back(
            {{"name", a.name}, {"code", a.code}, {"summary", a.summary}, {"schemes", a.schemes}, {"params", params}});
      }
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("Detectors (--detector NAME[:ARG], join several with ','):\n");
    for (const auto& d : detector_registry()) {
      fmt::print("  {:<10} {} [{}]\n", d.name, d.summary, d.kinds);
    }
    fmt::print("\nProtection methods (--method NAME):\n");
    std::size_t level_width = 0;
    for (const auto& p : protector_registry()) level_width = std::max(level_width, std::string(security_level_name(p.level)).size());
    for (const auto& p : protector_registry()) {
      fmt::print("  {:<16} {:<{}} {}\n", p.name, security_level_name(p.level), level_width, p.summary);
    }
    fmt::print("\nAttacks (shroud attack NAME [--scheme S]):\n");
    for (const auto& a : attack_registry()) {
      std::string schemes;
      for (const auto& s : a.schemes) schemes += (schemes.empty() ? "" : ", ") + s;
      fmt::print("  {:<20} {:<3} {} [{}]\n", a.name, a.code, a.summary, schemes);
      std::string params;
      for (const auto& p : a.params) params += (params.empty() ? "" : ", ") + p.name;
      if (!params.empty()) fmt::print("  {:<24} --param: {}\n", "", params);
    }
    (void)g;
  });
}

}  // namespace shroud::cli
