#include "cluster/budget_leaser.h"

#include <utility>

#include "common/log.h"
#include "common/thread_name.h"

namespace berth {
namespace {

// How often grants that no longer count are deleted from the ledger (any instance may do it).
constexpr int64_t kSweepEveryMs = 60'000;

}  // namespace

BudgetLeaser::BudgetLeaser(BudgetLedger& ledger, const Clock& clock, Millis tick)
    : ledger_(ledger), clock_(clock), tick_(tick) {}

BudgetLeaser::~BudgetLeaser() { Stop(); }

int64_t BudgetLeaser::NowMs() const {
  return std::chrono::duration_cast<Millis>(clock_.MonotonicNow().time_since_epoch()).count();
}

void BudgetLeaser::Start() {
  {
    std::lock_guard lock(signal_->mu);
    signal_->stopping = false;
  }
  next_sweep_ms_ = NowMs() + kSweepEveryMs;
  thread_ = std::thread([this] {
    NameThisThread("berth-budget");
    Loop();
  });
}

void BudgetLeaser::Stop() {
  {
    std::lock_guard lock(signal_->mu);
    signal_->stopping = true;
  }
  signal_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  std::map<std::string, Tracked> tracked;
  {
    std::lock_guard lock(mu_);
    tracked.swap(tracked_);
    for (auto& [name, entry] : tracked) released_.push_back(std::move(entry));
  }
  RunOnce();  // hands back what was released
}

void BudgetLeaser::Track(const std::string& deployed_model, const std::string& scope,
                         std::shared_ptr<RateLimiter> limiter) {
  std::lock_guard lock(mu_);
  auto it = tracked_.find(deployed_model);
  if (it != tracked_.end()) {
    if (it->second.limiter == limiter && it->second.scope == scope) return;
    released_.push_back(std::move(it->second));
    tracked_.erase(it);
  }
  limiter->ShareLimits([signal = signal_] {
    {
      std::lock_guard lock(signal->mu);
      signal->woken = true;
    }
    signal->cv.notify_one();
  });
  tracked_.emplace(deployed_model, Tracked{scope, std::move(limiter)});
  signal_->cv.notify_one();
}

void BudgetLeaser::Forget(const std::string& deployed_model) {
  std::lock_guard lock(mu_);
  auto it = tracked_.find(deployed_model);
  if (it == tracked_.end()) return;
  released_.push_back(std::move(it->second));
  tracked_.erase(it);
}

void BudgetLeaser::Loop() {
  while (true) {
    {
      std::unique_lock lock(signal_->mu);
      signal_->cv.wait_for(lock, tick_, [this] { return signal_->woken || signal_->stopping; });
      if (signal_->stopping) return;
      signal_->woken = false;
    }
    RunOnce();
    if (NowMs() >= next_sweep_ms_) {
      next_sweep_ms_ = NowMs() + kSweepEveryMs;
      if (StatusOr<int64_t> swept = ledger_.Sweep(); !swept.ok()) {
        LOG_WARN("limit budgets: sweep: {}", swept.status().ToString());
      }
    }
  }
}

void BudgetLeaser::RunOnce() {
  std::vector<Tracked> tracked, released;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, entry] : tracked_) tracked.push_back(entry);
    released.swap(released_);
  }
  for (const Tracked& entry : released) HandBack(entry.limiter->BudgetRelease(NowMs()));
  for (const Tracked& entry : tracked) Serve(entry, NowMs());
}

void BudgetLeaser::Serve(const Tracked& tracked, int64_t now_ms) {
  HandBack(tracked.limiter->BudgetFinished(now_ms));
  // `now_ms` was read before the ledger's clock reads the grant's time: the grant's use time
  // ends no later, on this clock, than the ledger counts it.
  for (const BudgetWant& want : tracked.limiter->BudgetWanted(now_ms)) {
    StatusOr<LedgerLease> lease =
        ledger_.Lease(tracked.scope, LimitKindName(want.kind), want.amount, want.limit);
    if (!lease.ok()) {
      LOG_WARN("limit budgets: lease {} of {}: {}", LimitKindName(want.kind), tracked.scope,
               lease.status().ToString());
      tracked.limiter->BudgetFailed(want.kind, NowMs());
      ++failed_;
    } else if (lease->id == 0) {
      tracked.limiter->BudgetRefused(want.kind, lease->retry_ms, NowMs());
      ++refused_;
    } else {
      tracked.limiter->BudgetGranted(want.kind, {lease->id, lease->amount, now_ms}, NowMs());
      ++granted_;
    }
  }
}

void BudgetLeaser::HandBack(const std::vector<BudgetReturn>& returns) {
  if (returns.empty()) return;
  std::vector<FinishedGrant> grants;
  for (const BudgetReturn& back : returns) grants.push_back(back.grant);
  // A grant not handed back simply counts until its use time and window end: never too little.
  if (Status status = ledger_.Finish(grants); !status.ok()) {
    LOG_WARN("limit budgets: hand back: {}", status.ToString());
    return;
  }
  handed_back_ += static_cast<int64_t>(grants.size());
}

std::string BudgetLeaser::RenderMetrics() const {
  auto line = [](const char* result, int64_t value) {
    return std::string("berth_limit_budget_leases_total{result=\"") + result + "\"} " +
           std::to_string(value) + "\n";
  };
  return "# HELP berth_limit_budget_leases_total Budget blocks of shared limits this instance "
         "asked PostgreSQL for, by answer.\n"
         "# TYPE berth_limit_budget_leases_total counter\n" +
         line("granted", granted_) + line("refused", refused_) + line("failed", failed_) +
         "# HELP berth_limit_budget_handed_back_total Grants this instance handed back.\n"
         "# TYPE berth_limit_budget_handed_back_total counter\n"
         "berth_limit_budget_handed_back_total " +
         std::to_string(handed_back_.load()) + "\n";
}

}  // namespace berth
