// The shroud CLI: a table of subcommands. Each command file registers one subcommand whose
// handler parses its arguments and calls the library; errors become exit codes (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/result.h"

namespace shroud::cli {

// Options every command shares.
struct Globals {
  std::string models_dir;
  bool verbose = false;
  bool quiet = false;
  int exit_code = 0;
};

using Register = void (*)(CLI::App& app, Globals& globals);

struct CommandEntry {
  const char* name;
  Register add;
};

// Defined in main.cc: every subcommand, in the order `shroud --help` shows them.
const std::vector<CommandEntry>& command_table();

void add_list(CLI::App& app, Globals& g);
void add_detect(CLI::App& app, Globals& g);
void add_protect(CLI::App& app, Globals& g);
void add_attack(CLI::App& app, Globals& g);
void add_dp_eval(CLI::App& app, Globals& g);
void add_eval(CLI::App& app, Globals& g);
void add_msai(CLI::App& app, Globals& g);
void add_metrics(CLI::App& app, Globals& g);
void add_utility(CLI::App& app, Globals& g);
void add_report(CLI::App& app, Globals& g);
void add_keygen(CLI::App& app, Globals& g);
void add_recover(CLI::App& app, Globals& g);
void add_fleet_camera(CLI::App& app, Globals& g);    // fleet (docs/fleet.md)
void add_fleet_worker(CLI::App& app, Globals& g);
void add_fleet_collect(CLI::App& app, Globals& g);
void add_msai_fleet(CLI::App& app, Globals& g);       // MSAI parties on NATS (docs/fleet.md)
void add_serve(CLI::App& app, Globals& g);
void add_audit(CLI::App& app, Globals& g);
void add_verify(CLI::App& app, Globals& g);

// Helpers shared by commands (common.cc).
int report(const Error& error);                 // logs the error, returns its exit code
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs,
                                       std::vector<std::string>* roots, Error* error);
bool is_image_path(const std::string& path);

// The key flags of protect and recover: --keyset (seal, sisa), --scheme-key (paper schemes) and
// the older --key, which takes either. At most one may be given; resolve() returns its path.
struct KeyFlags {
  std::string key, keyset, scheme_key;
  void add_to(CLI::App* cmd, const std::string& role);
  Result<std::string> resolve(bool required) const;
};

// Detector options and spec from the shared flags.
struct DetectFlags {
  std::string spec;              // --detector; empty: default
  float threshold = -1.0f;       // --threshold
  int detect_size = 0;           // --detect-size
  bool allow_unlisted = false;   // --allow-unlisted (manual:FILE / --regions-in)
  void add_to(CLI::App* cmd);
};
Result<std::unique_ptr<Detector>> make_detector(const DetectFlags& flags, const Globals& g,
                                                bool warn_on_fallback);

}  // namespace shroud::cli
