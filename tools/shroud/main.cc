// shroud: command-line front end over the libshroud library.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <opencv2/core/utility.hpp>

#include "commands.h"
#include "shroud/image_io.h"

namespace shroud::cli {

const std::vector<CommandEntry>& command_table() {
  static const std::vector<CommandEntry> kCommands = {
      {"list", add_list},
      {"detect", add_detect},
      {"protect", add_protect},
      {"attack", add_attack},
      {"eval", add_eval},
      {"msai", add_msai},
      {"dp-eval", add_dp_eval},
      {"metrics", add_metrics},
      {"utility", add_utility},
      {"report", add_report},
      {"recover", add_recover},
      {"keygen", add_keygen},
  };
  return kCommands;
}

}  // namespace shroud::cli

int main(int argc, char** argv) {
  using namespace shroud::cli;
  auto logger = spdlog::stderr_color_mt("shroud");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("shroud: %^%l%$: %v");
  cv::setNumThreads(1);  // we parallelise across images; OpenCV's own pool would oversubscribe

  CLI::App app{"Shroud: find faces, plates and other sensitive regions in images and protect them."};
  app.set_version_flag("--version", std::string("shroud ") + SHROUD_VERSION);
  app.require_subcommand(1);
  Globals globals;
  app.add_option("--models", globals.models_dir, "directory with model files (before $SHROUD_MODELS)");
  app.add_flag("-v,--verbose", globals.verbose, "log more");
  app.add_flag("-q,--quiet", globals.quiet, "log only errors");
  std::int64_t max_pixels = 0;
  app.add_option("--max-pixels", max_pixels, "largest image or video frame read, width x height (default 100000000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  app.fallthrough();  // global options (--models, -v, -q) may follow the subcommand
  for (const auto& c : command_table()) c.add(app, globals);
  app.parse_complete_callback([&] {
    if (max_pixels > 0) shroud::set_default_max_pixels(max_pixels);
    spdlog::set_level(globals.quiet ? spdlog::level::err
                                    : globals.verbose ? spdlog::level::debug : spdlog::level::info);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return globals.exit_code;
}
