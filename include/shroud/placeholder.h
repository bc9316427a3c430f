// Placeholder: the visible replacement drawn over a sealed region (image seal and video track).
// Its numeric values are stored in containers and tracks (docs/container-format.md): never renumber.
#pragma once

#include <cstdint>
#include <string>

#include "shroud/result.h"

namespace shroud {

enum class Placeholder : std::uint8_t { kBlur = 1, kPixelate = 2, kFill = 3, kNoise = 4 };

const char* placeholder_name(Placeholder p);
Result<Placeholder> parse_placeholder(const std::string& name);  // blur, pixelate, fill|solid, noise

}  // namespace shroud
