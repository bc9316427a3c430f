#include "shroud/models.h"

#include <cstdlib>
#include <system_error>

#ifndef SHROUD_SOURCE_DIR
#define SHROUD_SOURCE_DIR "."
#endif
#ifndef SHROUD_INSTALL_DATADIR
#define SHROUD_INSTALL_DATADIR "/usr/local/share/shroud"
#endif

namespace fs = std::filesystem;

namespace shroud {

ModelLocator::ModelLocator(std::string user_dir) : user_dir_(std::move(user_dir)) {}

std::vector<fs::path> ModelLocator::search_path() const {
  std::vector<fs::path> candidates;
  if (!user_dir_.empty()) candidates.emplace_back(user_dir_);
  if (const char* env = std::getenv("SHROUD_MODELS"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.emplace_back(fs::path("..") / "shared" / "models");
  candidates.emplace_back(fs::path(SHROUD_SOURCE_DIR) / ".." / "shared" / "models");
  candidates.emplace_back(fs::path(SHROUD_INSTALL_DATADIR) / "models");

  std::vector<fs::path> existing;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!fs::is_directory(c, ec)) continue;
    fs::path canonical = fs::weakly_canonical(c, ec);
    if (ec) canonical = c;
    bool dup = false;
    for (const auto& e : existing) dup = dup || e == canonical;
    if (!dup) existing.push_back(canonical);
  }
  return existing;
}

Result<fs::path> ModelLocator::find(const std::string& file_name) const {
  std::string searched;
  // A user-given directory that does not exist is an error of its own: say so.
  if (!user_dir_.empty()) {
    std::error_code ec;
    if (!fs::is_directory(user_dir_, ec)) {
      return make_error(ErrorCode::kNotFound,
                        "model directory '" + user_dir_ + "' (from --models) does not exist");
    }
  }
  for (const auto& dir : search_path()) {
    std::error_code ec;
    const fs::path p = dir / file_name;
    if (fs::is_regular_file(p, ec)) return p;
    searched += "\n  " + dir.string();
  }
  if (searched.empty()) searched = "\n  (no model directory exists)";
  return make_error(ErrorCode::kNotFound,
                    "model file '" + file_name +
                        "' not found. Get it with scripts/fetch-models (or copy it) into a "
                        "directory given by --models DIR or $SHROUD_MODELS. Searched:" +
                        searched);
}

fs::path cascade_dir() {
  if (const char* env = std::getenv("SHROUD_CASCADES"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  return fs::path("/usr/share/opencv4");
}

}  // namespace shroud
