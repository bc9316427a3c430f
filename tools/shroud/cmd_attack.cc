// shroud attack NAME [--scheme S] [--image F]... [--trials N] [--epsilon E] [--param k=v] [--json]
#include <fmt/core.h>

#include "commands.h"
#include "shroud/attack.h"

namespace shroud::cli {

void add_attack(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("attack", "run an attack on a scheme and report what it recovers (see `shroud list`)");
  struct Opts {
    std::string name;
    AttackOptions attack;
    std::vector<std::string> params;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("name", o->name, "attack name")->required();
  cmd->add_option("--scheme", o->attack.scheme, "target scheme (default: the paper's; `seal` for the secure default where it applies)");
  cmd->add_option("--image", o->attack.images, "image(s) to attack (default: generated or sample images)");
  cmd->add_option("--trials", o->attack.trials, "trials / plates / images (default per attack)")->check(CLI::Range(1, 10000000));
  cmd->add_option("--seed", o->attack.seed, "seed for generated test data");
  cmd->add_option("--epsilon", o->attack.epsilon, "privacy budget (DP attacks)");
  cmd->add_option("--param", o->params, "attack parameter KEY=VALUE (numbers or words)");
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->callback([&g, o] {
    for (const auto& kv : o->params) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) {
        g.exit_code = report(make_error(ErrorCode::kInvalidArgument, "--param takes KEY=VALUE"));
        return;
      }
      const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      try {
        std::size_t used = 0;
        const double num = std::stod(value, &used);
        if (used == value.size()) {
          o->attack.params[key] = num;
          continue;
        }
      } catch (const std::exception&) {
      }
      o->attack.params[key] = value;
    }
    auto r = run_attack(o->name, o->attack);
    if (!r.ok()) {
      g.exit_code = report(r.error());
      return;
    }
    if (o->json) {
      fmt::print("{}\n", attack_result_json(*r).dump());
    } else {
      fmt::print("{} against {}: success {:.1f}%\n  {}\n", r->attack, r->scheme, 100.0 * r->success, r->summary);
    }
  });
}

}  // namespace shroud::cli
