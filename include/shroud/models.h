// Model search path.
//
// Models are never bundled. They are found, in order, in: the --models directory given by the
// user, $SHROUD_MODELS, ../shared/models (relative to the working directory and to the source
// tree), and the install share directory (<prefix>/share/shroud/models).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud {

class ModelLocator {
 public:
  // `user_dir` is the --models flag (may be empty).
  explicit ModelLocator(std::string user_dir = "");

  // Directories searched, in order (only those that exist).
  std::vector<std::filesystem::path> search_path() const;

  // Full path of `file_name`, or kNotFound with a message that names the file, where to get it
  // (`scripts/fetch-models`) and the directories that were searched.
  Result<std::filesystem::path> find(const std::string& file_name) const;

 private:
  std::string user_dir_;
};

// Directory of Debian's opencv-data cascades (/usr/share/opencv4), or the value of
// $SHROUD_CASCADES when set.
std::filesystem::path cascade_dir();

}  // namespace shroud
