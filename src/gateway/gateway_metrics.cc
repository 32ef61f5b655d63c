#include "gateway/gateway_metrics.h"

#include <fmt/format.h>

namespace berth {

void AtomicHistogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9),
                       std::memory_order_relaxed);
}

std::string AtomicHistogram::Render(const std::string& name, const std::string& help) const {
  std::string out = fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[i], cumulative);
  }
  cumulative += counts_[kBuckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {:.9f}\n{}_count {}\n", name,
                     static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9, name,
                     cumulative);
  return out;
}

void GatewayMetrics::RecordRequest(InferenceApi api, int status, int64_t input_tokens,
                                   int64_t output_tokens) {
  int klass = status >= 100 && status < 600 ? status / 100 : 0;
  requests_[api == InferenceApi::kNative ? 1 : 0][klass].fetch_add(1, std::memory_order_relaxed);
  input_tokens_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, input_tokens)),
                          std::memory_order_relaxed);
  output_tokens_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, output_tokens)),
                           std::memory_order_relaxed);
}

std::string GatewayMetrics::Render() const {
  std::string out =
      "# HELP berth_gateway_requests_total Inference requests answered, by API and status "
      "class.\n# TYPE berth_gateway_requests_total counter\n";
  const char* apis[] = {"compatible", "native"};
  const char* classes[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int a = 0; a < 2; ++a) {
    for (int c = 0; c < kStatusClasses; ++c) {
      uint64_t n = requests_[a][c].load(std::memory_order_relaxed);
      if (n > 0) {
        out += fmt::format("berth_gateway_requests_total{{api=\"{}\",code=\"{}\"}} {}\n", apis[a],
                           classes[c], n);
      }
    }
  }
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  out +=
      "# HELP berth_gateway_tokens_total Tokens metered, by direction.\n"
      "# TYPE berth_gateway_tokens_total counter\n";
  out += fmt::format("berth_gateway_tokens_total{{direction=\"input\"}} {}\n",
                     input_tokens_.load(std::memory_order_relaxed));
  out += fmt::format("berth_gateway_tokens_total{{direction=\"output\"}} {}\n",
                     output_tokens_.load(std::memory_order_relaxed));
  counter("berth_gateway_throttled_total", "Requests refused with 429 by a deployment's limits.",
          throttled_.load(std::memory_order_relaxed));
  counter("berth_gateway_ptu_overflow_total", "PTU requests served pay-as-you-go (overflow).",
          overflow_.load(std::memory_order_relaxed));
  counter("berth_gateway_aborted_total", "Streams the client left before the end.",
          aborted_.load(std::memory_order_relaxed));
  counter("berth_gateway_upstream_retries_total",
          "Requests moved to another replica because one refused the connection.",
          retries_.load(std::memory_order_relaxed));
  out += upstream_latency_.Render("berth_gateway_upstream_seconds",
                                  "Time from sending to the engine until its answer's head.");
  out += overhead_.Render("berth_gateway_overhead_seconds",
                          "Time the gateway itself adds to a request (before the engine is "
                          "called plus after its answer is complete).");
  return out;
}

}  // namespace berth
