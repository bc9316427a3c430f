// shroud detect IN... [--detector SPEC] [--json]: print the regions found in each image.
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/regions_json.h"

namespace shroud::cli {

void add_detect(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("detect", "find sensitive regions and print them (text or JSON lines)");
  struct Opts {
    std::vector<std::string> inputs;
    DetectFlags detect;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("inputs", o->inputs, "image files or folders")->required();
  o->detect.add_to(cmd);
  cmd->add_flag("--json", o->json, "one JSON object per image per line");
  cmd->callback([&g, o] {
    auto det = make_detector(o->detect, g, true);
    if (!det.ok()) {
      g.exit_code = report(det.error());
      return;
    }
    std::vector<std::string> roots;
    Error err;
    const auto files = expand_inputs(o->inputs, &roots, &err);
    if (!err.message.empty()) {
      g.exit_code = report(err);
      return;
    }
    for (const auto& path : files) {
      auto img = read_image(path);
      if (!img.ok()) {
        g.exit_code = report(img.error());
        continue;
      }
      Frame frame{img->pixels, 0, 0.0, path};
      auto regions = (*det)->detect(frame);
      if (!regions.ok()) {
        g.exit_code = report(regions.error());
        continue;
      }
      if (o->json) {
        fmt::print("{}\n", regions_to_json(path, frame.image.size(), *regions).dump());
      } else {
        fmt::print("{} ({}x{}): {} region(s)\n", path, frame.image.cols, frame.image.rows, regions->size());
        for (const auto& r : *regions) {
          fmt::print("  {:<7} [{}, {}, {}, {}] score {:.2f} ({})\n", kind_name(r.kind), r.box.x, r.box.y,
                     r.box.width, r.box.height, r.score, r.detector);
        }
      }
      std::fflush(stdout);
    }
  });
}

}  // namespace shroud::cli
