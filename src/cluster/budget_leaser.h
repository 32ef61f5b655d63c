// BudgetLeaser: keeps the leased budgets of every deployment's limiter (RateLimiter's shared
// limits) supplied from the BudgetLedger, on its own thread, so the request path never waits on
// the database: a limiter wakes it when a budget runs low (at half a block, before it is out)
// or owes a request taken on credit, and every tick it hands back what is spent or past its use
// time. Track/Forget from reconcile workers (SharedLimitsPublisher), Start/Stop from the
// composition root; thread-safe. docs/operations.md, "Limits across instances".
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/budget_ledger.h"
#include "common/clock.h"
#include "core/rate_limiter.h"

namespace berth {

class BudgetLeaser {
 public:
  BudgetLeaser(BudgetLedger& ledger, const Clock& clock, Millis tick = Millis(100));
  ~BudgetLeaser();
  BudgetLeaser(const BudgetLeaser&) = delete;
  BudgetLeaser& operator=(const BudgetLeaser&) = delete;

  void Start();
  // Stops the thread and hands every grant back.
  void Stop();

  // Shares `limiter`'s limits, leased for `scope` (the deployment incarnation's uid), under
  // `deployed_model`; a different limiter tracked before under that name is let go and its
  // grants handed back. Does not block on the database.
  void Track(const std::string& deployed_model, const std::string& scope,
             std::shared_ptr<RateLimiter> limiter);
  // Lets go of the limiter tracked under `deployed_model` (withdrawn) and hands its grants back.
  void Forget(const std::string& deployed_model);

  // One pass over every limiter (the thread runs this on each wake and tick); tests call it.
  void RunOnce();

  // berth_limit_budget_* counters for /metrics (no database access).
  std::string RenderMetrics() const;

 private:
  struct Tracked {
    std::string scope;
    std::shared_ptr<RateLimiter> limiter;
  };
  // Set by a limiter from the request path; shared so a limiter outliving the leaser is safe.
  struct Signal {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;     // guarded by mu
    bool stopping = false;  // guarded by mu
  };

  void Loop();
  void Serve(const Tracked& tracked, int64_t now_ms);
  void HandBack(const std::vector<BudgetReturn>& returns);
  int64_t NowMs() const;

  BudgetLedger& ledger_;
  const Clock& clock_;
  const Millis tick_;
  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  std::mutex mu_;
  std::map<std::string, Tracked> tracked_;  // by deployed_model; guarded by mu_
  std::vector<Tracked> released_;           // let go, grants not yet handed back; guarded by mu_
  int64_t next_sweep_ms_ = 0;               // loop thread only
  std::atomic<int64_t> granted_{0};         // leases answered with a grant
  std::atomic<int64_t> refused_{0};         // leases answered: nothing free
  std::atomic<int64_t> failed_{0};          // leases that could not reach the ledger
  std::atomic<int64_t> handed_back_{0};     // grants handed back
  std::thread thread_;
};

}  // namespace berth
