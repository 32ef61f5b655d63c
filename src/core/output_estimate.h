// OutputEstimator: how many output tokens to reserve for a request before it runs. Thread-safe
// and lock-free (one atomic, updated by compare-and-swap): any thread may call either method.
//
// The estimate is the request's max_tokens when given, else an exponential running average
// (α = 1/8) of the output tokens observed so far, starting at kInitialOutputEstimate (256) before
// any observation. The average is kept in fixed point (8 fraction bits) so small outputs still
// move it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>

namespace berth {

inline constexpr int64_t kInitialOutputEstimate = 256;

class OutputEstimator {
 public:
  int64_t Estimate(std::optional<int64_t> max_tokens) const {
    if (max_tokens) return *max_tokens;
    return (scaled_average_.load(std::memory_order_relaxed) + kScale / 2) / kScale;
  }

  // Folds in one finished request's output tokens (negative counts as 0).
  void Observe(int64_t output_tokens) {
    const int64_t sample = std::max<int64_t>(output_tokens, 0) * kScale;
    int64_t average = scaled_average_.load(std::memory_order_relaxed);
    while (!scaled_average_.compare_exchange_weak(average, average + (sample - average) / 8,
                                                  std::memory_order_relaxed)) {
    }
  }

 private:
  static constexpr int64_t kScale = 256;
  std::atomic<int64_t> scaled_average_{kInitialOutputEstimate * kScale};
};

}  // namespace berth
