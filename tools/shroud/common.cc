#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "commands.h"
#include "shroud/registry.h"

namespace fs = std::filesystem;

namespace shroud::cli {

int report(const Error& error) {
  spdlog::error("{}", error.message);
  return exit_code(error.code);
}

bool is_image_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kExts[] = {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"};
  return std::any_of(std::begin(kExts), std::end(kExts), [&](const char* e) { return ext == e; });
}

// Files are taken as given; folders are walked recursively for image files (sorted). `roots`
// receives, for each file, the folder it was found under ("" for files given directly).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs,
                                       std::vector<std::string>* roots, Error* error) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_image_path(it->path().string())) found.push_back(it->path().string());
      }
      if (ec) {
        *error = make_error(ErrorCode::kIo, "cannot list folder '" + in + "': " + ec.message());
        return {};
      }
      std::sort(found.begin(), found.end());
      for (auto& f : found) {
        files.push_back(f);
        roots->push_back(in);
      }
    } else {
      files.push_back(in);
      roots->push_back("");
    }
  }
  return files;
}

void DetectFlags::add_to(CLI::App* cmd) {
  cmd->add_option("-d,--detector", spec,
                  "detector spec: NAME[:ARG][,NAME[:ARG]...] (default: YuNet faces + plate cascade)");
  cmd->add_option("--threshold", threshold, "detector score threshold (default: privacy-leaning)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--detect-size", detect_size, "longest side the frame is resized to for detection")
      ->check(CLI::Range(32, 16384));
  cmd->add_flag("--allow-unlisted", allow_unlisted,
                "manual:FILE / --regions-in: process an image no entry names with no regions (default: error)");
}

Result<std::unique_ptr<Detector>> make_detector(const DetectFlags& flags, const Globals& g,
                                                bool warn_on_fallback) {
  DetectorOptions opts;
  opts.models = ModelLocator(g.models_dir);
  opts.score_threshold = flags.threshold;
  opts.detect_size = flags.detect_size;
  opts.allow_unlisted = flags.allow_unlisted;
  std::string spec = flags.spec;
  if (spec.empty()) {
    std::string warning;
    spec = default_detector_spec(opts.models, &warning);
    if (!warning.empty() && warn_on_fallback) spdlog::warn("{}", warning);
  }
  return create_detector(spec, opts);
}

}  // namespace shroud::cli
