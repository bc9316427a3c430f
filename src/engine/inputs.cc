// Input expansion for folder jobs: files as given, folders walked recursively (sorted).
#include <algorithm>
#include <filesystem>

#include "shroud/engine.h"

namespace fs = std::filesystem;

namespace shroud {

bool is_image_file_name(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kExts[] = {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"};
  return std::any_of(std::begin(kExts), std::end(kExts), [&](const char* e) { return ext == e; });
}

Result<std::vector<InputFile>> expand_image_inputs(const std::vector<std::string>& inputs) {
  std::vector<InputFile> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_image_file_name(it->path().string())) found.push_back(it->path().string());
      }
      if (ec) return make_error(ErrorCode::kIo, "cannot list folder '" + in + "': " + ec.message());
      std::sort(found.begin(), found.end());
      for (auto& f : found) files.push_back({f, in});
    } else {
      files.push_back({in, ""});
    }
  }
  return files;
}

}  // namespace shroud
