// shroud: command-line front end over the libshroud library.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <optional>

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
      {"verify", add_verify},
      {"keygen", add_keygen},
      {"camera", add_fleet_camera},
      {"worker", add_fleet_worker},
      {"collect", add_fleet_collect},
      {"msai-fleet", add_msai_fleet},
      {"serve", add_serve},
      {"audit", add_audit},
  };
  return kCommands;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

// The first word that is not a global option must name a command; otherwise an error that names
// it and suggests the closest command (so `shroud verfy --help` is not the top-level help).
std::optional<shroud::Error> check_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a == "--models" || a == "--max-pixels") {  // the global options that take a value
      ++i;  // its value
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const auto& c : command_table()) {
      if (a == c.name) return std::nullopt;
      const std::size_t d = edit_distance(a, c.name);
      if (d < best_d) best_d = d, best = c.name;
    }
    std::string msg = "unknown command '" + a + "'";
    msg += best_d <= std::max<std::size_t>(2, a.size() / 2) ? "; did you mean '" + best + "'?"
                                                            : "; the closest command is '" + best + "'";
    msg += " (`shroud --help` lists the commands)";
    return shroud::make_error(shroud::ErrorCode::kInvalidArgument, msg);
  }
  return std::nullopt;
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

  if (auto unknown = check_command(argc, argv)) return report(*unknown);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return globals.exit_code;
}
