// ApiMetrics: request counters and latency histograms of the HTTP API, rendered in the
// Prometheus text format. Record() from any thread.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/deployment.h"

namespace berth {

class ApiMetrics {
 public:
  // `route` is the matched pattern (bounded label set), not the raw path.
  void Record(const std::string& route, const std::string& method, int status, double seconds);
  std::string Render(const std::map<DeploymentStatus, int64_t>& deployments_by_status) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative counts
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> latency_;                                // guarded by mu_
};

}  // namespace berth
