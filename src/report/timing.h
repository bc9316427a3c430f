// Internal: wall-clock timing for the paper report (one thread, steady clock).
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace shroud::report {

// Runs `prepare` (untimed) then `op` (timed) `repeats` times after one untimed warm-up run;
// returns the times in milliseconds.
template <typename Prepare, typename Op>
std::vector<double> time_ms(int repeats, Prepare&& prepare, Op&& op) {
  prepare();
  op();
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(repeats));
  for (int i = 0; i < repeats; ++i) {
    prepare();
    const auto t0 = std::chrono::steady_clock::now();
    op();
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return ms;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace shroud::report
