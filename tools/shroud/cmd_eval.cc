// shroud eval [--detector SPEC] [--data DIR] [--set NAME]... [--iou X] [--json]: recall and
// precision of a detector against the labelled face and plate sets (docs/detection.md).
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "shroud/eval.h"
#include "shroud/registry.h"

namespace shroud::cli {

void add_eval(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("eval", "measure detector recall/precision on labelled face and plate sets");
  struct Opts {
    DetectFlags detect;
    std::string data;
    std::vector<std::string> sets;
    double min_iou = 0.3;
    bool json = false;
    bool list_missed = false;
  };
  auto o = std::make_shared<Opts>();
  o->detect.add_to(cmd);
  cmd->add_option("--data", o->data, "data folder laid out like ../shared/data (default: $SHROUD_DATA or ../shared/data)");
  cmd->add_option("--set", o->sets, "only these sets: faces-dlib, plates-eu, plates-us, plates-br (repeatable)");
  cmd->add_option("--iou", o->min_iou, "minimum IoU for a match (default 0.3)")->check(CLI::Range(0.01, 1.0));
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->add_flag("--missed", o->list_missed, "list the images with unmatched labels");
  cmd->callback([&g, o] {
    const std::filesystem::path data = o->data.empty() ? default_data_dir() : std::filesystem::path(o->data);
    if (data.empty()) {
      g.exit_code = report(make_error(ErrorCode::kNotFound, "no data folder: give --data DIR or set $SHROUD_DATA"));
      return;
    }
    auto sets = load_standard_datasets(data, o->sets);
    if (!sets.ok()) {
      g.exit_code = report(sets.error());
      return;
    }
    auto det = make_detector(o->detect, g, true);
    if (!det.ok()) {
      g.exit_code = report(det.error());
      return;
    }
    nlohmann::json j;
    j["detector"] = (*det)->name();
    j["min_iou"] = o->min_iou;
    j["data"] = data.string();
    if (!o->json) {
      fmt::print("detector {}  (IoU >= {:.2f}, data {})\n", (*det)->name(), o->min_iou, data.string());
      fmt::print("{:<11} {:>6} {:>9} {:>10} {:>8} {:>8} {:>10}\n", "set", "images", "labelled", "detections",
                 "recall", "precis.", "ms/image");
    }
    for (const auto& ds : *sets) {
      auto r = evaluate(**det, ds, o->min_iou);
      if (!r.ok()) {
        g.exit_code = report(r.error());
        return;
      }
      const double ms = r->images > 0 ? 1000.0 * r->seconds / r->images : 0.0;
      if (o->json) {
        j["sets"].push_back({{"name", r->dataset},
                             {"kind", std::string(kind_name(r->kind))},
                             {"images", r->images},
                             {"labelled", r->counts.labelled},
                             {"detections", r->counts.detected},
                             {"matched", r->counts.matched},
                             {"recall", r->counts.recall()},
                             {"precision", r->counts.precision()},
                             {"ms_per_image", ms},
                             {"missed", r->missed}});
      } else {
        fmt::print("{:<11} {:>6} {:>9} {:>10} {:>8.3f} {:>8.3f} {:>10.1f}\n", r->dataset, r->images,
                   r->counts.labelled, r->counts.detected, r->counts.recall(), r->counts.precision(), ms);
        if (o->list_missed && !r->missed.empty()) {
          std::string list;
          for (const auto& m : r->missed) list += " " + m;
          fmt::print("  missed:{}\n", list);
        }
      }
      std::fflush(stdout);
    }
    if (o->json) fmt::print("{}\n", j.dump());
  });
}

}  // namespace shroud::cli
