// shroud utility IMAGES... [--detector SPEC] [--methods blur,pixelate,fill,ksame] [--gallery DIR] [--k N] [--json]:
// the GAN+DP paper's utility table (dHash, SSIM, L0, L2, ALD_p) plus machine re-identification.
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/utility.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_utility {

struct Opts {
  std::vector<std::string> inputs;
  DetectFlags detect;
  std::vector<std::string> methods{"original", "blur", "pixelate", "fill"};
  double iou = 0.3;
  double mask_scale = -1;
  std::string gallery;   // ksame
  int ksame_k = 0;
  bool json = false;
};

void print_table(const UtilityTable& t, const std::string& detector) {
  fmt::print("{} image(s) with regions to protect ({} of {} had none), detector {}\n\n",
             t.images_total - t.images_without_regions, t.images_without_regions, t.images_total, detector);
  std::string header = "| metric |", rule = "|---|";
  for (const auto& r : t.rows) {
    header += " " + r.method + " |";
    rule += "---:|";
  }
  fmt::print("{}\n{}\n", header, rule);
  auto line = [&](const std::string& name, auto value) {
    std::string s = "| " + name + " |";
    for (const auto& r : t.rows) s += " " + value(r) + " |";
    fmt::print("{}\n", s);
  };
  line("dHash (bits of 64)", [](const UtilityRow& r) { return fmt::format("{:.2f}", r.dhash); });
  line("SSIM (10^-2)", [](const UtilityRow& r) { return fmt::format("{:.2f}", 100.0 * r.ssim); });
  line("L0 (10^2 pixels)", [](const UtilityRow& r) { return fmt::format("{:.2f}", r.l0 / 100.0); });
  line("L2", [](const UtilityRow& r) { return fmt::format("{:.2f}", r.l2); });
  line("ALD_2 (10^-2)", [](const UtilityRow& r) { return fmt::format("{:.2f}", 100.0 * r.ald_2); });
  line("ALD_inf (10^-2)", [](const UtilityRow& r) { return fmt::format("{:.2f}", 100.0 * r.ald_inf); });
  line("re-identified", [](const UtilityRow& r) {
    return fmt::format("{}/{} ({:.1f}%)", r.redetected, r.regions, 100.0 * r.reid_rate());
  });
}

nlohmann::json table_json(const UtilityTable& t, const std::string& detector) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows) {
    rows.push_back({{"method", r.method}, {"images", r.images}, {"dhash", r.dhash}, {"ssim", r.ssim},
                    {"l0", r.l0}, {"l2", r.l2}, {"ald_2", r.ald_2}, {"ald_inf", r.ald_inf},
                    {"regions", r.regions}, {"redetected", r.redetected}, {"reid_rate", r.reid_rate()}});
  }
  return {{"detector", detector},
          {"images_total", t.images_total},
          {"images_without_regions", t.images_without_regions},
          {"rows", rows}};
}

Status run(const Opts& o, const Globals& g) {
  SHROUD_ASSIGN_OR_RETURN(auto detector, make_detector(o.detect, g, true));
  std::vector<std::string> roots;
  Error err;
  const auto files = expand_inputs(o.inputs, &roots, &err);
  if (!err.message.empty()) return err;
  if (files.empty()) return make_error(ErrorCode::kInvalidArgument, "no image files given");
  std::vector<std::pair<std::string, cv::Mat>> images;
  for (const auto& f : files) {
    SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(f));
    images.emplace_back(f, std::move(img.pixels));
  }
  UtilityOptions opts;
  opts.methods = o.methods;
  opts.iou_threshold = o.iou;
  if (o.mask_scale > 0) opts.policy.mask_scale = o.mask_scale;
  opts.policy.params.ksame_gallery = o.gallery;
  if (o.ksame_k > 0) opts.policy.params.ksame_k = o.ksame_k;
  SHROUD_ASSIGN_OR_RETURN(UtilityTable table, utility_table(images, *detector, opts));
  if (o.json) fmt::print("{}\n", table_json(table, detector->name()).dump());
  else print_table(table, detector->name());
  return ok_status();
}

}  // namespace cmd_utility
}  // namespace

void add_utility(CLI::App& app, Globals& g) {
  using namespace cmd_utility;
  auto* cmd = app.add_subcommand(
      "utility", "utility table of protection methods: dHash, SSIM, L0, L2, ALD_p and re-identification rate");
  auto o = std::make_shared<Opts>();
  cmd->add_option("inputs", o->inputs, "image files or folders")->required();
  o->detect.add_to(cmd);
  cmd->add_option("--methods", o->methods, "protection methods by name, comma-separated (\"original\": no change)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--iou", o->iou, "IoU at which a detection on the protected image re-identifies a region")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  cmd->add_option("--mask-scale", o->mask_scale, "enlarge each detected box by this factor (policy default 1.3)")
      ->check(CLI::Range(0.1, 10.0));
  cmd->add_option("--gallery", o->gallery, "ksame: folder of aligned face crops (docs/ksame.md)");
  cmd->add_option("--k", o->ksame_k, "ksame: faces averaged per replacement (default 5)")->check(CLI::Range(1, 10000));
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->callback([&g, o] {
    auto st = run(*o, g);
    if (!st.ok()) g.exit_code = report(st.error());
  });
}

}  // namespace shroud::cli
