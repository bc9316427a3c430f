// Numbers read from untrusted JSON (policies, regions files, key files, scheme records, MSAI
// messages). nlohmann's get<int>() on 1e20 is a float-to-int conversion with undefined behaviour
// and on 3.5 a silent truncation; these accept only JSON integers inside the range and throw
// std::runtime_error otherwise (every parser that uses them turns that into its own error).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace shroud::detail {

std::int64_t json_int64(const nlohmann::json& v);  // any JSON integer that fits in int64
int json_int(const nlohmann::json& v);             // a JSON integer in [-2^31 + 1, 2^31 - 1]
// A JSON number that a float holds without overflow (converting 1e300 to float is undefined
// behaviour); throws std::runtime_error for anything else.
float json_float(const nlohmann::json& v);

}  // namespace shroud::detail
