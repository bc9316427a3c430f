#include <spdlog/spdlog.h>

#include "commands.h"
#include "shroud/engine.h"
#include "shroud/registry.h"

namespace shroud::cli {

int report(const Error& error) {
  spdlog::error("{}", error.message);
  return exit_code(error.code);
}

bool is_image_path(const std::string& path) { return is_image_file_name(path); }

void KeyFlags::add_to(CLI::App* cmd, const std::string& role) {
  cmd->add_option("--keyset", keyset, "seal, sisa: keyset file (" + role + "; `shroud keygen FILE`; mode 0600)");
  cmd->add_option("--scheme-key", scheme_key,
                  "paper schemes: scheme key file (`shroud keygen --scheme NAME -o FILE`)");
  cmd->add_option("--key", key, "--keyset or --scheme-key (older spelling: the file says which it is)");
}

Result<std::string> KeyFlags::resolve(bool required) const {
  const int given = !key.empty() + !keyset.empty() + !scheme_key.empty();
  if (given > 1) return make_error(ErrorCode::kInvalidArgument, "give one of --keyset, --scheme-key and --key");
  if (given == 0 && required) {
    return make_error(ErrorCode::kInvalidArgument, "give the key: --keyset FILE (seal, sisa) or --scheme-key FILE (paper schemes)");
  }
  return !keyset.empty() ? keyset : !scheme_key.empty() ? scheme_key : key;
}

// Files are taken as given; folders are walked recursively for image files (sorted). `roots`
// receives, for each file, the folder it was found under ("" for files given directly).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs,
                                       std::vector<std::string>* roots, Error* error) {
  auto expanded = expand_image_inputs(inputs);
  if (!expanded.ok()) {
    *error = expanded.error();
    return {};
  }
  std::vector<std::string> files;
  for (auto& f : *expanded) {
    files.push_back(std::move(f.path));
    roots->push_back(std::move(f.root));
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
