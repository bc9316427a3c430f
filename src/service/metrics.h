// Prometheus metrics of the service (text exposition format 0.0.4): requests by route and
// status, errors by kind, request/response bytes, regions found, and a latency histogram per
// route. Thread-safe (one mutex; updates are a few map operations per request).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace shroud::service {

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds, std::uint64_t bytes_in, std::uint64_t bytes_out);
  void error(const std::string& kind);
  void regions(std::uint64_t n);
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;   // cumulative counts are computed when rendering
    double sum = 0;
    std::uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<std::string, Histogram> latency_;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0, regions_ = 0;
};

}  // namespace shroud::service
