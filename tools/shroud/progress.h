// A progress bar on stderr for batches (only when stderr is a terminal).
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace shroud::cli {

class Progress {
 public:
  Progress(std::size_t total, bool enabled, std::string unit = "img");
  void tick(std::size_t done);
  void finish();

 private:
  std::size_t total_;
  bool enabled_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mu_;
};

}  // namespace shroud::cli
