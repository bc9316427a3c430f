#include "service/metrics.h"

#include <fmt/format.h>

namespace shroud::service {
namespace {
constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr std::size_t kBucketCount = sizeof(kBuckets) / sizeof(kBuckets[0]);
}  // namespace

void Metrics::observe(const std::string& route, int status, double seconds, std::uint64_t bytes_in, std::uint64_t bytes_out) {
  std::lock_guard<std::mutex> g(mutex_);
  ++requests_[{route, status}];
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
  Histogram& h = latency_[route];
  if (h.buckets.empty()) h.buckets.assign(kBucketCount, 0);
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  h.sum += seconds;
  ++h.count;
}

void Metrics::error(const std::string& kind) {
  std::lock_guard<std::mutex> g(mutex_);
  ++errors_[kind];
}

void Metrics::regions(std::uint64_t n) {
  std::lock_guard<std::mutex> g(mutex_);
  regions_ += n;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> g(mutex_);
  std::string out;
  out += "# HELP shroud_requests_total HTTP requests by route and status.\n# TYPE shroud_requests_total counter\n";
  for (const auto& [k, v] : requests_) out += fmt::format("shroud_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", k.first, k.second, v);
  out += "# HELP shroud_errors_total Error responses by kind.\n# TYPE shroud_errors_total counter\n";
  for (const auto& [k, v] : errors_) out += fmt::format("shroud_errors_total{{kind=\"{}\"}} {}\n", k, v);
  out += "# HELP shroud_request_bytes_total Request body bytes read.\n# TYPE shroud_request_bytes_total counter\n";
  out += fmt::format("shroud_request_bytes_total {}\n", bytes_in_);
  out += "# HELP shroud_response_bytes_total Response body bytes sent.\n# TYPE shroud_response_bytes_total counter\n";
  out += fmt::format("shroud_response_bytes_total {}\n", bytes_out_);
  out += "# HELP shroud_regions_total Regions detected by detect and protect.\n# TYPE shroud_regions_total counter\n";
  out += fmt::format("shroud_regions_total {}\n", regions_);
  out += "# HELP shroud_request_duration_seconds Request latency by route.\n# TYPE shroud_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      cum += h.buckets[i];
      out += fmt::format("shroud_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route, kBuckets[i], cum);
    }
    out += fmt::format("shroud_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("shroud_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("shroud_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  return out;
}

}  // namespace shroud::service
