// Flags shared by the fleet commands (camera --protect, worker): the engine options they take,
// and SIGINT/SIGTERM as a stop request.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "commands.h"
#include "shroud/engine.h"

namespace shroud::cli {

struct FleetEngineFlags {
  DetectFlags detect;
  EngineOptions e;
  std::string options_json;     // --engine-json FILE: EngineOptions JSON (docs/engine.md); flags override
  double mask_scale = -1;
  void add_to(CLI::App* cmd);
  Result<EngineOptions> build(const Globals& g) const;
};

// Installs SIGINT/SIGTERM handlers that set a flag; stop_requested() reads it.
void install_stop_signals();
bool stop_requested();

}  // namespace shroud::cli
