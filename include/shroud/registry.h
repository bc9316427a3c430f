// Registry of detectors and protectors. `shroud list` and --help come from here.
//
// A detector spec is "name" or "name:arg" (e.g. "cascade:haarcascade_frontalface_alt2.xml",
// "manual:regions.json"); several specs joined with ',' make a union detector whose regions are
// merged with non-maximum suppression.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "shroud/detector.h"
#include "shroud/result.h"

namespace shroud {

struct DetectorInfo {
  std::string name;
  std::string summary;   // one line for `shroud list`
  std::string kinds;     // kinds it produces, e.g. "face, eyes"
  std::function<Result<std::unique_ptr<Detector>>(const DetectorOptions&)> create;
};

const std::vector<DetectorInfo>& detector_registry();

// Creates a detector from a spec ("yunet", "cascade:file.xml", "yunet,cascade:plate.xml").
Result<std::unique_ptr<Detector>> create_detector(const std::string& spec,
                                                  const DetectorOptions& options);

// The default detector spec: faces with YuNet when the model is found, otherwise a Haar cascade
// (with `warning` set to a message naming the better model); plates with LPD-YuNet, otherwise
// the plate cascade. Same as the overload below with kinds {face, plate}.
std::string default_detector_spec(const ModelLocator& models, std::string* warning);

// The default detector spec for the kinds a policy protects: only the detectors that can find
// one of `kinds` run (face or eyes: the face detector; plate: the plate detector; text: `text`
// when ch_PP-OCRv3_det_infer.onnx is found, otherwise a warning). Kinds no default detector
// produces (person, vehicle, custom) add nothing; when nothing is left the spec is the faces +
// plates default, so a policy never silently runs no detector.
std::string default_detector_spec(const ModelLocator& models, std::string* warning, const std::set<Kind>& kinds);

// Security level of a protection method, shown by `shroud list`.
enum class SecurityLevel {
  kIrreversible,      // destroys information; not reversible by anyone
  kAuthenticated,     // reversible with a key; authenticated encryption (secure)
  kObfuscation,       // reversible, but known attacks recover the content (paper schemes)
  kDifferentialPrivacy,
};
const char* security_level_name(SecurityLevel level);

struct ProtectorInfo {
  std::string name;
  std::string summary;
  SecurityLevel level;
  bool reversible;
};

// Every protection method known to the build (irreversible and reversible).
const std::vector<ProtectorInfo>& protector_registry();

}  // namespace shroud
