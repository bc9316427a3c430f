// Running the built `shroud` binary from tests (ctest sets SHROUD_BIN; otherwise build/shroud).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace shroud::testing {

inline std::string shroud_bin() {
  if (const char* env = std::getenv("SHROUD_BIN"); env != nullptr && *env != '\0') return env;
  return (shroud::testing::binary_dir() / "shroud").string();
}

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `shroud -q ARGS` (ARGS already shell-quoted where needed) with its output discarded;
// returns the exit code.
inline int run_shroud_quiet(const std::string& args) {
  const std::string cmd = shell_quote(shroud_bin()) + " -q " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Runs `shroud ARGS...` and returns its exit code and combined output.
inline RunResult run_shroud(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(shroud_bin());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

// Number of entries in a folder (to prove no partial/temporary file was left).
inline int count_entries(const std::filesystem::path& dir) {
  int n = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir); it != std::filesystem::recursive_directory_iterator(); ++it) ++n;
  return n;
}

}  // namespace shroud::testing
