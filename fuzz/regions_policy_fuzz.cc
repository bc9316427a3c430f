// libFuzzer target: the regions file parser (--regions-in, manual:FILE) and the policy parser.
#include <string>

#include "shroud/policy.h"
#include "shroud/regions_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto list = shroud::RegionsList::parse(text);
  if (list.ok()) {
    (void)list->lookup("a.png", false);
    (void)list->lookup("", true);
  }
  auto policy = shroud::parse_policy_json(text);
  if (policy.ok()) (void)shroud::validate_policy(*policy);
  return 0;
}
