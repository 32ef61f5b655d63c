// BudgetLedger: the leased budgets of the limits that several instances share, as grants in
// PostgreSQL (table limit_grants). A grant of a limit (scope: the deployment incarnation's uid;
// kind: rpm, tpm, input_tpm, output_tpm) counts against it from the moment it is made until
// `window + use` later in the database's clock, shortened when the instance hands it back having
// used it for less; Lease grants at most what the limit has free among the grants that still
// count. Each Lease is one short transaction serialized per (scope, kind) by a transaction-level
// advisory lock, so concurrent instances never grant more than the limit and no lock outlives
// the call. PostgreSQL only: with SQLite there is one instance and nothing to share.
// Thread-safe and blocking: call from the leaser's thread (cluster/budget_leaser.h) or tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/leased_budget.h"
#include "core/sliding_window.h"

namespace berth {
namespace pg {
class Pool;
}  // namespace pg

// A lease's answer: a grant (id > 0, amount > 0), or nothing free for `retry_ms` (when the
// oldest counted grant stops counting, unless something is handed back sooner).
struct LedgerLease {
  int64_t id = 0;
  int64_t amount = 0;
  int64_t retry_ms = 0;
};

class BudgetLedger {
 public:
  // `window`: how long a grant counts after its use (60 s; tests shorten it).
  explicit BudgetLedger(pg::Pool& pool, Millis window = Millis(SlidingWindow::kWindowMs),
                        Millis use = Millis(LeasedBudget::kUseMs));

  // Up to `amount` of `limit` for (scope, kind).
  StatusOr<LedgerLease> Lease(const std::string& scope, const std::string& kind, int64_t amount,
                              int64_t limit);
  // Hands grants back, in one transaction: their unused part no longer counts, and each counts
  // until `window` after its `used_ms` instead of after the whole use time. A grant that no
  // longer counts is ignored.
  Status Finish(const std::vector<FinishedGrant>& grants);
  // Deletes every grant that no longer counts (of any scope, also of deleted deployments).
  StatusOr<int64_t> Sweep();
  // What the grants of (scope, kind) that still count add up to.
  StatusOr<int64_t> Counted(const std::string& scope, const std::string& kind);

 private:
  pg::Pool& pool_;
  const Millis window_;
  const Millis use_;
};

}  // namespace berth
