// The one test file compiled with the checkout's paths (see test_util.h).
#include "test_util.h"

namespace shroud::testing {

std::filesystem::path source_dir() { return SHROUD_SOURCE_DIR; }
std::filesystem::path binary_dir() { return SHROUD_BINARY_DIR; }

}  // namespace shroud::testing
