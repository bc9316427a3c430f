#include "core/json_number.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace shroud::detail {

std::int64_t json_int64(const nlohmann::json& v) {
  if (!v.is_number_integer()) throw std::runtime_error("expected an integer");
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw std::runtime_error("integer out of range");
  }
  return v.get<std::int64_t>();
}

int json_int(const nlohmann::json& v) {
  const std::int64_t x = json_int64(v);
  if (x < -0x7FFFFFFFLL || x > 0x7FFFFFFFLL) throw std::runtime_error("integer out of range");
  return static_cast<int>(x);
}

float json_float(const nlohmann::json& v) {
  if (!v.is_number()) throw std::runtime_error("expected a number");
  const double x = v.get<double>();
  if (!(std::abs(x) <= static_cast<double>(std::numeric_limits<float>::max()))) {
    throw std::runtime_error("number out of range");
  }
  return static_cast<float>(x);
}

}  // namespace shroud::detail
