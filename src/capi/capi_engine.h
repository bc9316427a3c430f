// The C API's engine: the one place where shroud.h meets the C++ library. The C entry points
// (capi.cc) only validate pointers and buffer descriptors, convert types and catch exceptions;
// everything the API does is here, so it can be re-pointed at the library's Engine in one place.
//
// Thread-safety: after create() the engine is only read, except for the detector pool, which
// is guarded by a mutex; every method may run concurrently.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/detector.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/policy.h"
#include "shroud/result.h"
#include "shroud/seal.h"

namespace shroud::capi {

// Options of shroud_engine_create(), parsed and checked (docs/c-api.md).
struct EngineOptions {
  std::string detector;           // spec; empty: default_detector_spec()
  DetectorOptions detect;
  Policy policy;
  std::string keyset_path;
  std::string recipient_path;
  SealOptions seal;
  std::string format = "same";    // protect_encoded output format
  EncodeOptions encode;
  ImageLimits limits;
};

// Parses the options JSON (unknown keys, wrong types and bad values are kInvalidArgument).
Result<EngineOptions> parse_engine_options(std::string_view json);

// One protected region: the rectangle altered and, when sealed, its container index.
struct ProtectedRegion {
  Action action;
  std::uint32_t index = 0;
};

struct ProtectedFrame {
  std::vector<ProtectedRegion> regions;
  std::vector<std::uint8_t> container;   // empty when nothing was sealed
};

struct ProtectedFile {
  std::vector<std::uint8_t> image;
  std::vector<std::uint8_t> container;   // sidecar container (empty when embedded or unsealed)
  std::vector<ProtectedRegion> regions;
};

class CapiEngine {
 public:
  static Result<std::unique_ptr<CapiEngine>> create(std::string_view options_json);

  // True when the policy seals some kind (protect then produces a container).
  bool seals() const { return seals_; }
  const ImageLimits& limits() const { return options_.limits; }

  // `image`: 8-bit BGR, BGRA or gray (RGB orders are the caller's business, see capi.cc).
  Result<std::vector<Region>> detect(const cv::Mat& image);
  // Protects `image` in place (its buffer is never reallocated). On failure `image` is unchanged.
  Result<ProtectedFrame> protect(cv::Mat& image);
  // Restores sealed regions of `image` in place; unchanged on failure.
  Status recover(cv::Mat& image, std::span<const std::uint8_t> container);

  Result<ProtectedFile> protect_encoded(std::span<const std::uint8_t> file, bool sidecar);
  Result<std::vector<std::uint8_t>> recover_encoded(std::span<const std::uint8_t> file,
                                                    std::optional<std::span<const std::uint8_t>> sidecar);

 private:
  explicit CapiEngine(EngineOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<Detector>> acquire_detector();
  void release_detector(std::unique_ptr<Detector> detector);
  Result<std::vector<Action>> plan(const cv::Mat& image);
  KeySource key_source() const;
  Result<const Keyset*> recovery_keyset() const;

  EngineOptions options_;
  std::string spec_;
  bool seals_ = false;
  std::optional<Keyset> keyset_;
  std::optional<RecipientKey> recipient_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Detector>> pool_;   // idle detectors (a Detector is not thread-safe)
};

}  // namespace shroud::capi
