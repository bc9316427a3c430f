// The C API's engine: the one place where shroud.h meets the C++ library. The C entry points
// (capi.cc) only validate pointers and buffer descriptors, convert types and catch exceptions;
// this adapter translates the C API's options JSON (docs/c-api.md) into EngineOptions and serves
// every call through shroud::Engine (engine.h), the engine every front end shares.
//
// Thread-safety: as shroud::Engine: after create() every method may run concurrently.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/result.h"

namespace shroud::capi {

// Options of shroud_engine_create(), parsed and checked (docs/c-api.md).
struct CapiOptions {
  shroud::EngineOptions engine;   // everything but the key files
  std::string keyset_path;
  std::string recipient_path;
  std::string format = "same";    // protect_encoded output format
  ImageLimits limits;
};

// Parses the options JSON (unknown keys, wrong types and bad values are kInvalidArgument).
Result<CapiOptions> parse_engine_options(std::string_view json);

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
  bool seals() const { return protect_.seals(); }
  const ImageLimits& limits() const { return options_.limits; }

  // `image`: 8-bit BGR, BGRA or gray (RGB orders are the caller's business, see capi.cc).
  Result<std::vector<Region>> detect(const cv::Mat& image) const;
  // Protects `image` in place (its buffer is never reallocated). On failure `image` is unchanged.
  Result<ProtectedFrame> protect(cv::Mat& image) const;
  // Restores sealed regions of `image` in place; unchanged on failure.
  Status recover(cv::Mat& image, std::span<const std::uint8_t> container) const;

  Result<ProtectedFile> protect_encoded(std::span<const std::uint8_t> file, bool sidecar) const;
  Result<std::vector<std::uint8_t>> recover_encoded(std::span<const std::uint8_t> file,
                                                    std::optional<std::span<const std::uint8_t>> sidecar) const;

 private:
  CapiEngine(CapiOptions options, shroud::Engine protect, std::optional<shroud::Engine> recover)
      : options_(std::move(options)), protect_(std::move(protect)), recover_(std::move(recover)) {}
  Result<const shroud::Engine*> recoverer() const;

  CapiOptions options_;
  shroud::Engine protect_;
  std::optional<shroud::Engine> recover_;   // when a keyset was given
};

}  // namespace shroud::capi
