// GatewayMetrics: counters and latency histograms of the inference gateway, rendered in the
// Prometheus text format for /metrics. Lock-free (atomics); Record* from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "gateway/gateway_errors.h"

namespace berth {

// A histogram with fixed buckets (seconds), safe to update from many threads at once.
class AtomicHistogram {
 public:
  static constexpr std::array<double, 16> kBuckets = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
      0.005,   0.01,     0.025,   0.05,   0.1,     0.25,   1,     10};
  void Observe(double seconds);
  // Prometheus lines for metric `name` (with its # TYPE line).
  std::string Render(const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> counts_{};  // last: +Inf
  std::atomic<uint64_t> sum_nanos_{0};
};

class GatewayMetrics {
 public:
  // One finished request: its answer status, tokens, and whether it streamed.
  void RecordRequest(InferenceApi api, int status, int64_t input_tokens, int64_t output_tokens);
  void RecordThrottled() { throttled_.fetch_add(1, std::memory_order_relaxed); }
  void RecordOverflow() { overflow_.fetch_add(1, std::memory_order_relaxed); }
  void RecordAborted() { aborted_.fetch_add(1, std::memory_order_relaxed); }
  void RecordUpstreamRetry() { retries_.fetch_add(1, std::memory_order_relaxed); }
  AtomicHistogram& upstream_latency() { return upstream_latency_; }
  AtomicHistogram& overhead() { return overhead_; }

  std::string Render() const;

 private:
  static constexpr int kStatusClasses = 6;  // 0: other, 1xx..5xx
  std::array<std::array<std::atomic<uint64_t>, kStatusClasses>, 2> requests_{};
  std::atomic<uint64_t> input_tokens_{0};
  std::atomic<uint64_t> output_tokens_{0};
  std::atomic<uint64_t> throttled_{0};
  std::atomic<uint64_t> overflow_{0};
  std::atomic<uint64_t> aborted_{0};
  std::atomic<uint64_t> retries_{0};
  AtomicHistogram upstream_latency_;
  AtomicHistogram overhead_;
};

}  // namespace berth
