#include "progress.h"

#include <unistd.h>

#include <fmt/core.h>

namespace shroud::cli {

Progress::Progress(std::size_t total, bool enabled, std::string unit)
    : total_(total), enabled_(enabled && ::isatty(STDERR_FILENO) == 1), unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::tick(std::size_t done) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? done / secs : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  fmt::print(stderr, "\r[{}{}] {}/{} {:.1f} {}/s ETA {:.0f}s ", std::string(filled, '#'),
             std::string(kWidth - filled, '.'), done, total_, rate, unit_, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_) fmt::print(stderr, "\n");
}

}  // namespace shroud::cli
