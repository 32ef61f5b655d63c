#include "api/api_metrics.h"

#include <fmt/format.h>

namespace berth {

void ApiMetrics::Record(const std::string& route, const std::string& method, int status,
                        double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

std::string ApiMetrics::Render(
    const std::map<DeploymentStatus, int64_t>& deployments_by_status) const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP berth_http_requests_total HTTP API requests by route, method and status.\n";
  out += "# TYPE berth_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("berth_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                       route, method, status, count);
  }
  out += "# HELP berth_http_request_duration_seconds HTTP API latency by route.\n";
  out += "# TYPE berth_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out +=
          fmt::format("berth_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      route, kBuckets[i], cumulative);
    }
    out +=
        fmt::format("berth_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                    route, h.count);
    out +=
        fmt::format("berth_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("berth_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  out += "# HELP berth_deployments Deployments by status.\n";
  out += "# TYPE berth_deployments gauge\n";
  for (DeploymentStatus status : AllStatuses()) {
    auto it = deployments_by_status.find(status);
    out += fmt::format("berth_deployments{{status=\"{}\"}} {}\n", StatusName(status),
                       it == deployments_by_status.end() ? 0 : it->second);
  }
  return out;
}

}  // namespace berth
