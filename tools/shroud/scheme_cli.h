// CLI glue for the paper schemes (`protect --method msai-l|msai-paper|block-scramble|pbe|
// perceptual|sisa-paper|sisa`, `recover` of scheme records, `keygen --scheme`). docs/schemes.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shroud/container.h"
#include "shroud/detector.h"
#include "shroud/image_io.h"
#include "shroud/policy.h"
#include "shroud/result.h"
#include "shroud/schemes/scheme_file.h"

namespace shroud::cli {

// The scheme selected by --method, if any ("sisa" is the seal-based SISA mode).
struct SchemeChoice {
  std::string name;                               // as given to --method
  std::optional<schemes::SchemeMethod> method;    // empty for "sisa"
  bool sisa_seal() const { return !method.has_value(); }
};
std::optional<SchemeChoice> scheme_choice(const std::string& method);

// The one warning line printed when a paper scheme protects something.
void warn_scheme(const SchemeChoice& choice);

// Output formats a scheme record can be written to: PNG (embedded), or TIFF/BMP with --sidecar.
// JPEG/WebP would change the pixels and make recovery impossible: kInvalidArgument with advice.
Status check_scheme_output(const SchemeChoice& choice, const std::string& format, bool sidecar);

// load_scheme_key with hints for the usual mistakes (a recipient public key or a seal keyset
// given where a scheme key file is needed).
Result<schemes::SchemeKey> load_scheme_key_file(const std::string& path);

// A detector that finds nothing (for --whole-frame, where no detection is needed).
std::unique_ptr<Detector> make_null_detector();

struct SchemeJobResult {
  std::vector<Action> actions;    // what was protected (for --regions-json / --json)
  std::size_t regions = 0;        // regions found
};

// Protects one image with a paper scheme and writes OUT (and OUT.shroud with --sidecar).
struct SchemeProtectArgs {
  const schemes::SchemeKey* key = nullptr;
  bool whole_frame = false;
  schemes::SisaParams sisa;
  bool sidecar = false;
  bool overwrite = false;
};
Result<SchemeJobResult> protect_with_scheme(const std::string& input, const std::string& output,
                                            const std::string& format, const LoadedImage& img, Detector& detector,
                                            const Policy& policy, const SchemeProtectArgs& args);

// SISA prioritised selection turned into seal actions (placeholder blur below the encrypt level).
Result<std::vector<Action>> sisa_seal_actions(const std::vector<Region>& regions, cv::Size image,
                                              const Policy& policy, const schemes::SisaParams& params,
                                              Placeholder encrypt_placeholder, Placeholder* used);

}  // namespace shroud::cli
