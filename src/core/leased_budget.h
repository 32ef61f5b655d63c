// LeasedBudget: one instance's part of one per-minute limit (a deployment's rpm, tpm, input or
// output tpm) when several instances share it, as blocks ("grants") leased from a ledger in the
// store. Pure accounting: no clock, no lock, no I/O; the RateLimiter that owns it serializes
// calls and passes milliseconds on one monotonic clock, and the cluster's leaser does the
// ledger I/O off the request path (docs/operations.md, "Limits across instances").
//
// A grant may be spent for `use_ms` after the leaser asked for it (its start); the ledger counts
// it against the limit until 60 s after that use ends, so whatever was spent from it in any
// 60 s window was counted when the window's last grant was made. Every grant is handed back
// once (Finished): as soon as it is spent, when its use time ends, or on Release; what is left
// of it goes back to the ledger, and how long it was in use shortens how long it counts.
//
// Credit: when the grants cannot cover a request and nothing is owed, the request is admitted
// anyway and what it lacks becomes debt that the next grant pays first. One request per
// instance beyond its grants at most, which is the "+ one request per instance" of the bound.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace berth {

struct BudgetGrant {
  int64_t id = 0;        // the ledger's id
  int64_t amount = 0;    // what the ledger granted (may be less than asked, never more)
  int64_t start_ms = 0;  // when the leaser asked (before the ledger's clock read it)
};

// A grant handed back: `unused` goes back to the ledger; it was in use for `used_ms`.
struct FinishedGrant {
  int64_t id = 0;
  int64_t unused = 0;
  int64_t used_ms = 0;
};

class LeasedBudget {
 public:
  static constexpr int64_t kUseMs = 5000;  // how long a grant may be spent

  // `block`: how much to lease at a time (> 0).
  explicit LeasedBudget(int64_t block);

  void set_block(int64_t block);
  int64_t block() const { return block_; }

  // What the live grants still hold, less the debt (may be negative).
  int64_t Available(int64_t now_ms) const;
  // Whether the live grants cover `amount`; records demand (the leaser leases for it).
  bool Covers(int64_t amount, int64_t now_ms);
  // Spends `amount` from the oldest live grants first; what they lack becomes debt.
  void Take(int64_t amount, int64_t now_ms);
  // A settled request used `delta` more (or, negative, less) than it took at `taken_at_ms`. More
  // is taken like a request; less goes back to the newest live grant when that grant started
  // within 60 s - kUseMs of the take (so the ledger still counts the refunded units wherever
  // they are spent again), and is dropped otherwise.
  void Adjust(int64_t delta, int64_t taken_at_ms, int64_t now_ms);

  // The leaser's side. How much to lease now (0: nothing): when no lease is in flight, the
  // ledger did not just refuse, and there is demand (a request in the last kUseMs, or debt)
  // with at most half a block left. Marks a lease in flight when it returns more than 0.
  int64_t Wanted(int64_t now_ms);
  // True when Wanted would return more than 0 (the request path wakes the leaser on it).
  bool WantsMore(int64_t now_ms);
  // Whether a lease is under way or about to be asked for: an answer may come in milliseconds.
  bool LeasePending(int64_t now_ms) { return in_flight_ || WantsMore(now_ms); }
  // The lease asked for by Wanted came back: `grant` (its amount may be 0), or, when the
  // ledger has nothing left for `retry_ms`, nothing. A grant pays the debt first.
  void Granted(const BudgetGrant& grant, int64_t now_ms);
  void Refused(int64_t retry_ms, int64_t now_ms);
  // The lease failed (store unreachable): try again shortly.
  void Failed(int64_t now_ms);
  // Grants spent or past their use time, removed: hand them back to the ledger.
  std::vector<FinishedGrant> Finished(int64_t now_ms);
  // Every grant, removed (shutdown, deployment withdrawn); the debt is forgiven.
  std::vector<FinishedGrant> Release(int64_t now_ms);

  // Milliseconds until the ledger may have budget again (0 when unknown or now).
  int64_t RetryMs(int64_t now_ms) const;
  int64_t debt() const { return debt_; }

 private:
  struct Held {
    BudgetGrant grant;
    int64_t left = 0;
  };
  bool Live(const Held& held, int64_t now_ms) const;

  int64_t block_;
  std::deque<Held> held_;  // oldest first
  int64_t debt_ = 0;
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 2;
  int64_t last_demand_ms_ = kNever;
  int64_t quiet_until_ms_ = kNever;  // the ledger refused or failed: no lease before this
  int64_t retry_at_ms_ = kNever;     // when the ledger said it may have budget again
  bool in_flight_ = false;
};

}  // namespace berth
