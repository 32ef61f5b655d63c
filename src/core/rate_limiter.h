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
//
// Shared limits (several instances, cluster/budget_leaser.h): after ShareLimits() an admitted
// request must also fit this instance's leased budget of each limit it is under (LeasedBudget:
// blocks leased from a ledger in the store, or one request on credit); the windows above still
// apply, with the whole limit. Without ShareLimits() (one instance) nothing of this runs.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/leased_budget.h"
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

// The limits a budget can be leased for, and their names in the store's ledger.
enum class LimitKind { kRpm, kTpm, kInputTpm, kOutputTpm };
constexpr std::array<LimitKind, 4> kLimitKinds = {LimitKind::kRpm, LimitKind::kTpm,
                                                  LimitKind::kInputTpm, LimitKind::kOutputTpm};
const char* LimitKindName(LimitKind kind);

// A lease the leaser should ask the ledger for: `amount` of `kind` under `limit`.
struct BudgetWant {
  LimitKind kind = LimitKind::kRpm;
  int64_t amount = 0;
  int64_t limit = 0;
};

// A grant handed back to the ledger.
struct BudgetReturn {
  LimitKind kind = LimitKind::kRpm;
  FinishedGrant grant;
};

enum class Admission { kAdmitted, kOverflow, kThrottled };

struct Reservation {
  Admission admission = Admission::kAdmitted;
  int64_t at_ms = 0;
  TokenCount reserved;           // what was counted against the windows (zero unless admitted)
  bool counted_request = false;  // counted against the request window (rpm)
  int64_t retry_after_s = 0;     // throttled: whole seconds until it would fit (>= 1)
  std::string reason;            // throttled/overflow: which limit, e.g. "tpm_limit 1000"
  // Shared limits: refused (or overflowed) only for want of a lease that is under way; the
  // caller may AwaitLease(lease_answers) and ask again.
  bool lease_pending = false;
  uint64_t lease_answers = 0;  // the limiter's count of lease answers when it decided
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

  // Shared limits (above), from the cluster's leaser. ShareLimits turns them on for good;
  // `wake` runs under this limiter's lock whenever a budget wants a lease, so it must only
  // signal (never block or call back into this limiter).
  void ShareLimits(std::function<void()> wake);
  // Leases to ask for now, each marked in flight until BudgetGranted / Refused / Failed.
  std::vector<BudgetWant> BudgetWanted(int64_t now_ms);
  void BudgetGranted(LimitKind kind, const BudgetGrant& grant, int64_t now_ms);
  void BudgetRefused(LimitKind kind, int64_t retry_ms, int64_t now_ms);
  void BudgetFailed(LimitKind kind, int64_t now_ms);
  // Grants to hand back (spent or past their use time); Release: every grant.
  std::vector<BudgetReturn> BudgetFinished(int64_t now_ms);
  std::vector<BudgetReturn> BudgetRelease(int64_t now_ms);
  // Blocks the calling thread until the leaser answers a lease after the `seen` answers (a
  // Reservation's lease_answers) or `max` passes; true when an answer came. For a request
  // refused with lease_pending: at the start of traffic, or when a burst outruns the prefetch,
  // its instance has no budget yet while a lease is one database round trip away. A wait that
  // runs out (a slow or unreachable database) stops the limiter offering waits for
  // kNoWaitsAfterTimeoutMs from `now_ms`, so a slow database costs the caller's threads one
  // wait per limiter per second, not one per request.
  static constexpr int64_t kNoWaitsAfterTimeoutMs = 1000;
  bool AwaitLease(uint64_t seen, std::chrono::milliseconds max, int64_t now_ms);
  // AwaitLease without blocking, for a caller that parks the request on its event loop: whether
  // an answer came after `seen`, and the wait that ran out (offers no waits for a while).
  bool LeaseAnsweredSince(uint64_t seen);
  void LeaseWaitRanOut(int64_t now_ms);

 private:
  // A limit the request does not fit under: when it would, and the reason text.
  struct Miss {
    int64_t fits_at_ms = 0;
    std::string reason;
    bool lease_pending = false;  // a shared budget fell short while its lease is under way
  };
  // Checks `amount` against `limit` in `window`; records the longest wait in `miss`.
  static bool Fits(SlidingWindow& window, int64_t amount, const std::optional<int64_t>& limit,
                   const char* name, int64_t now_ms, std::optional<Miss>& miss);
  bool FitsMu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss);
  bool FitsPtu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss);
  Reservation Admit(const TokenCount& estimate, int64_t now_ms);

  struct Shared {
    std::function<void()> wake;
    std::array<LeasedBudget, 4> budgets{LeasedBudget(1), LeasedBudget(1), LeasedBudget(1),
                                        LeasedBudget(1)};
  };
  // What a request takes of each shared limit it is under (`limit` set); none when unlimited.
  struct Need {
    LimitKind kind;
    int64_t amount;
  };
  // MU limits (rpm, tpm) or, with `ptu`, PTU limits (input, output tpm).
  std::vector<Need> Needs(const TokenCount& estimate, bool ptu) const;
  const std::optional<int64_t>& LimitOf(LimitKind kind) const;
  // Shared mode: whether the budgets cover `needs` (or credit does); else records the miss.
  bool FitsShared(const std::vector<Need>& needs, int64_t now_ms, std::optional<Miss>& miss);
  void TakeShared(const TokenCount& estimate, int64_t now_ms);
  void SettleShared(const Reservation& reservation, const TokenCount& actual, int64_t now_ms);
  void WakeIfWanted(int64_t now_ms);
  void LeaseAnswered();

  mutable std::mutex mu_;
  std::condition_variable lease_answered_;  // with mu_: AwaitLease's wake-up
  uint64_t lease_answers_ = 0;              // guarded by mu_
  int64_t no_waits_until_ms_ = std::numeric_limits<int64_t>::min();  // guarded by mu_
  RateLimits limits_;                                                // guarded by mu_
  SlidingWindow requests_;                                           // guarded by mu_
  SlidingWindow tokens_;            // guarded by mu_: input + output
  SlidingWindow input_;             // guarded by mu_
  SlidingWindow output_;            // guarded by mu_
  std::unique_ptr<Shared> shared_;  // guarded by mu_; null with one instance
};

}  // namespace berth
