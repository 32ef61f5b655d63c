// RateLimiter: one deployment's admission decision by reserve-then-settle (ARCHITECTURE.md, Rate
// limits). Thread-safe: any thread may call any method; one mutex, decisions take ~µs. It reads
// no clock: callers pass milliseconds on one monotonic clock.
//
// At admission Reserve counts 1 request and the estimated tokens against the windows, so
// concurrent requests see each other's reservations and a burst cannot exceed a limit by a
// multiple of it; after the answer Settle replaces the estimate with the real usage, in the slot
// the reservation went to. Overshoot is therefore bounded by the estimation error, and an
// under-estimate (actual > estimate) becomes debt that later requests wait for.
//
// MU limits (rpm, tpm) are checked together and reserved both or neither; over either → kThrottled.
// A request whose estimate alone exceeds the whole tpm limit could never fit, so it is admitted
// when the tpm window is empty (Used() <= 0) and throttled otherwise.
// PTU limits: the input estimate against input_tpm, the output estimate against output_tpm (each
// with the same empty-window rule); if either does not fit → kOverflow (served pay-as-you-go,
// reserving nothing: overflow traffic does not use PTU quota) when `overflow`, else kThrottled.
// A deployment has one kind of limits in practice; with both, MU limits are checked first.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/sliding_window.h"
#include "core/token_count.h"

namespace berth {

struct RateLimits {                   // per deployment; nullopt = no limit of that kind
  std::optional<int64_t> rpm;         // mu rpm_limit: requests per minute
  std::optional<int64_t> tpm;         // mu tpm_limit: input + output tokens per minute
  std::optional<int64_t> input_tpm;   // ptu purchased input tokens per minute
  std::optional<int64_t> output_tpm;  // ptu purchased output tokens per minute
  bool overflow = true;  // ptu: a request that does not fit is served pay-as-you-go (else 429)
  bool operator==(const RateLimits&) const = default;
};

enum class Admission { kAdmitted, kOverflow, kThrottled };

struct Reservation {
  Admission admission = Admission::kAdmitted;
  int64_t at_ms = 0;
  TokenCount reserved;           // what was counted against the windows (zero unless admitted)
  bool counted_request = false;  // counted against the request window (rpm)
  int64_t retry_after_s = 0;     // throttled: whole seconds until it would fit (>= 1)
  std::string reason;            // throttled/overflow: which limit, e.g. "tpm_limit 1000"
};

class RateLimiter {
 public:
  // Takes effect for the next Reserve; keeps the windows (usage counted before still counts).
  void SetLimits(const RateLimits& limits);
  RateLimits limits() const;

  // Decides on a request with token `estimate` at `now_ms`. An admitted request's 1 request and
  // estimate are counted in every window, limited or not, so a limit set later sees the last
  // minute's traffic. A limit <= 0 admits nothing.
  Reservation Reserve(const TokenCount& estimate, int64_t now_ms);
  // Replaces the reserved estimate with what the request really used, in the slot it was
  // reserved in (ignored once that slot is 60 s old). Does nothing unless it was admitted.
  void Settle(const Reservation& reservation, const TokenCount& actual, int64_t now_ms);

 private:
  // A limit the request does not fit under: when it would, and the reason text.
  struct Miss {
    int64_t fits_at_ms = 0;
    std::string reason;
  };
  // Checks `amount` against `limit` in `window`; records the longest wait in `miss`.
  static bool Fits(SlidingWindow& window, int64_t amount, const std::optional<int64_t>& limit,
                   const char* name, int64_t now_ms, std::optional<Miss>& miss);
  bool FitsMu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss);
  bool FitsPtu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss);
  Reservation Admit(const TokenCount& estimate, int64_t now_ms);

  mutable std::mutex mu_;
  RateLimits limits_;       // guarded by mu_
  SlidingWindow requests_;  // guarded by mu_
  SlidingWindow tokens_;    // guarded by mu_: input + output
  SlidingWindow input_;     // guarded by mu_
  SlidingWindow output_;    // guarded by mu_
};

}  // namespace berth
