// A regions file (--regions-in FILE, --detector manual:FILE): the regions to protect, per image.
//
// Accepted forms: {"regions": [...]} for every image; {"image": PATH, "regions": [...]} (the
// output of `shroud detect --json`), one per line or in a JSON array; a mix of one entry without
// "image" (the default) and entries naming images. Each region is
// {"kind": K, "box": [x, y, w, h], "score"?, "label"?, "text"?, "detector"?, "landmarks"?}.
//
// parse() validates the whole file up front: malformed JSON, a non-string "image", a missing
// or non-array "regions", a bad region, two entries for the same image or two defaults are
// kInvalidArgument errors, so a bad file fails before any image is processed.
//
// Entries match an image by its path as given (lexically normalised, or the same file on disk),
// never by file name alone: "a/x.jpg" does not match "b/x.jpg". An image that no entry names and
// no default covers is a kNotFound error unless `allow_unlisted` (then it has no regions).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

// One region object as above (also used by zones files).
Result<Region> region_from_json(const nlohmann::json& region);

class RegionsList {
 public:
  static Result<RegionsList> parse(const std::string& text);
  // Reads (at most 64 MiB) and parses `path`.
  static Result<RegionsList> load(const std::string& path);

  Result<std::vector<Region>> lookup(const std::string& image, bool allow_unlisted) const;

  std::size_t entries() const { return by_image_.size() + (fallback_ ? 1 : 0); }

 private:
  std::optional<std::vector<Region>> fallback_;  // the entry without "image"
  std::vector<std::pair<std::string, std::vector<Region>>> by_image_;  // normalised path, regions
};

}  // namespace shroud
