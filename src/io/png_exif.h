// Internal: a PNG's EXIF (eXIf chunk before the image data) read through libpng.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "shroud/result.h"

namespace shroud::detail {

// The payload of the eXIf chunk (TIFF header onwards), empty when the file has none. libpng
// reads the chunks up to the first IDAT (where the PNG specification puts eXIf) and checks their
// CRCs; kCorrupt with libpng's message when it cannot read that far.
Result<std::vector<std::uint8_t>> png_exif(std::span<const std::uint8_t> file);

}  // namespace shroud::detail
