// shroud.attack() and shroud.attacks(): the attack registry (include/shroud/attack.h).
#include <pybind11/stl.h>

#include "py_common.h"
#include "shroud/attack.h"

namespace shroud::py {

void bind_attacks(pyb::module_& m) {
  m.def(
      "attacks",
      [] {
        pyb::list out;
        for (const auto& a : attack_registry()) {
          pyb::dict d;
          d["name"] = a.name;
          d["code"] = a.code;
          d["summary"] = a.summary;
          d["schemes"] = a.schemes;
          out.append(d);
        }
        return out;
      },
      "Every attack as a dict: name, code (the SECURITY.md id), summary, schemes (the first is the default).");
  m.def(
      "attack",
      [](const std::string& name, const std::string& scheme, const std::vector<std::string>& images, int trials,
         std::uint64_t seed, double epsilon, const pyb::kwargs& params) {
        AttackOptions o;
        o.scheme = scheme;
        o.images = images;
        o.trials = trials;
        o.seed = seed;
        o.epsilon = epsilon;
        for (auto item : params) {
          const std::string key = item.first.cast<std::string>();
          o.params[key] = to_json(item.second, key);
        }
        Result<AttackResult> r = AttackResult{};
        {
          pyb::gil_scoped_release nogil;
          r = run_attack(name, o);
        }
        return from_json(attack_result_json(unwrap(std::move(r))));
      },
      pyb::arg("name"), pyb::kw_only(), pyb::arg("scheme") = "", pyb::arg("images") = std::vector<std::string>{},
      pyb::arg("trials") = 0, pyb::arg("seed") = 1, pyb::arg("epsilon") = 1.0,
      "Runs attack `name` (see attacks()) against `scheme` (default: the attack's own, the paper's) and "
      "returns its JSON result as a dict: attack, scheme, success (fraction in [0, 1]), summary, detail. "
      "Extra keyword arguments are attack-specific parameters. The same as `shroud attack NAME --json`.");
}

}  // namespace shroud::py
