// Internal: factories of the built-in detectors, listed in registry.cc.
#pragma once

#include <filesystem>
#include <memory>

#include "shroud/detector.h"
#include "shroud/result.h"

namespace shroud {

Result<std::unique_ptr<Detector>> make_cascade_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_manual_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_zones_detector(const DetectorOptions& options);

Result<std::filesystem::path> find_cascade(const std::string& file);

// Regions from a JSON document (see docs/regions.md); `image` selects the entry for one image
// when the document lists several.
Result<std::vector<Region>> parse_regions_json(const std::string& text, const std::string& image);

}  // namespace shroud
