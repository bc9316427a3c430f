// shroud dp-eval [--data DIR] [--set plates-eu,...] [--draws N] [--json]: the DP plate tables.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "shroud/dp_eval.h"

namespace shroud::cli {

void add_dp_eval(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("dp-eval", "evaluate DP plates: text edit distance per epsilon, utility vs blur/pixelate");
  struct Opts {
    std::string data;
    std::vector<std::string> sets{"plates-eu", "plates-us", "plates-br"};
    std::vector<double> epsilons{0.1, 0.5, 1, 2, 5};
    int draws = 20;
    double utility_epsilon = 1.0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--data", o->data, "data folder laid out like ../shared/data (default: $SHROUD_DATA or ../shared/data)");
  cmd->add_option("--set", o->sets, "plate sets (default plates-eu,plates-us,plates-br)")->delimiter(',');
  cmd->add_option("--epsilons", o->epsilons, "epsilons per symbol (default 0.1,0.5,1,2,5)")->delimiter(',');
  cmd->add_option("--draws", o->draws, "synthetic texts per plate and setting (default 20)")->check(CLI::Range(1, 10000));
  cmd->add_option("--utility-epsilon", o->utility_epsilon, "epsilon of dp-plate in the utility table (default 1)");
  cmd->add_flag("--json", o->json, "print JSON");
  cmd->callback([&g, o] {
    auto sets = load_standard_datasets(o->data.empty() ? default_data_dir() : std::filesystem::path(o->data), o->sets);
    if (!sets.ok()) {
      g.exit_code = report(sets.error());
      return;
    }
    std::vector<std::string> texts;
    Dataset all;
    all.kind = Kind::kPlate;
    for (const auto& s : *sets) {
      for (const auto& li : s.images) {
        for (const auto& t : li.texts)
          if (!t.empty()) texts.push_back(t);
        all.images.push_back(li);
      }
    }
    auto distance = dp::evaluate_plate_texts(texts, o->epsilons, o->draws);
    if (!distance.ok()) {
      g.exit_code = report(distance.error());
      return;
    }
    auto utility = dp::evaluate_plate_utility(all, {"dp-plate", "blur", "pixelate"}, o->utility_epsilon);
    if (!utility.ok()) {
      g.exit_code = report(utility.error());
      return;
    }
    if (o->json) {
      nlohmann::json j;
      for (const auto& r : *distance) {
        j["text_distance"].push_back({{"mechanism", r.mechanism}, {"epsilon", r.epsilon}, {"samples", r.samples},
                                      {"distance_0_1_2_3_more", r.distance}, {"mean", r.mean_distance},
                                      {"protected_share", r.protected_share}, {"nominal_epsilon_per_plate", r.mean_nominal_epsilon},
                                      {"true_epsilon_per_plate", r.mean_true_epsilon}});
      }
      for (const auto& u : *utility) {
        j["utility"].push_back({{"method", u.method}, {"images", u.images}, {"ssim_outside_plate", u.ssim_outside}, {"dhash", u.dhash}});
      }
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("Edit distance between real and synthetic plate text ({} plates x {} draws)\n\n", texts.size(), o->draws);
    fmt::print("| mechanism | eps/symbol | d=0 | d=1 | d=2 | d=3 | d>3 (protected) | mean d | eps/plate nominal | eps/plate true |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& r : *distance) {
      fmt::print("| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {:.1f} |\n", r.mechanism, r.epsilon,
                 r.distance[0], r.distance[1], r.distance[2], r.distance[3], r.distance[4], r.mean_distance,
                 r.mean_nominal_epsilon, r.mean_true_epsilon);
    }
    fmt::print("\nUtility outside the plate (default policy; dp-plate at eps {} per symbol, rr)\n\n", o->utility_epsilon);
    fmt::print("| method | images | SSIM outside plate | dHash (bits of 64) |\n|---|---:|---:|---:|\n");
    for (const auto& u : *utility) fmt::print("| {} | {} | {:.4f} | {:.2f} |\n", u.method, u.images, u.ssim_outside, u.dhash);
  });
}

}  // namespace shroud::cli
