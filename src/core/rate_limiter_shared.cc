// RateLimiter's shared limits: the leased budgets a request must also fit when several
// instances share the limits (rate_limiter.h, "Shared limits").
#include <algorithm>

#include "core/rate_limiter.h"

namespace berth {
namespace {

// A block is a tenth of the limit: small enough that idle instances hold little of it, large
// enough that a busy one leases about ten times a minute.
constexpr int64_t kBlocksPerLimit = 10;
// How long a request refused for want of budget is told to wait when the ledger gave no hint.
constexpr int64_t kDefaultRetryMs = 1000;

// Each kind's name in the ledger and in a throttled request's reason, in LimitKind order.
struct KindNames {
  const char* ledger;
  const char* reason;
};
constexpr KindNames kNames[] = {{"rpm", "rpm_limit"},
                                {"tpm", "tpm_limit"},
                                {"input_tpm", "input_tpm"},
                                {"output_tpm", "output_tpm"}};

const char* ReasonName(LimitKind kind) { return kNames[static_cast<size_t>(kind)].reason; }

}  // namespace

const char* LimitKindName(LimitKind kind) { return kNames[static_cast<size_t>(kind)].ledger; }

const std::optional<int64_t>& RateLimiter::LimitOf(LimitKind kind) const {
  switch (kind) {
    case LimitKind::kRpm:
      return limits_.rpm;
    case LimitKind::kTpm:
      return limits_.tpm;
    case LimitKind::kInputTpm:
      return limits_.input_tpm;
    case LimitKind::kOutputTpm:
      break;
  }
  return limits_.output_tpm;
}

std::vector<RateLimiter::Need> RateLimiter::Needs(const TokenCount& estimate, bool ptu) const {
  std::vector<Need> needs;
  auto add = [&](LimitKind kind, int64_t amount) {
    if (LimitOf(kind)) needs.push_back({kind, std::max<int64_t>(0, amount)});
  };
  if (ptu) {
    add(LimitKind::kInputTpm, estimate.input);
    add(LimitKind::kOutputTpm, estimate.output);
  } else {
    add(LimitKind::kRpm, 1);
    add(LimitKind::kTpm, estimate.total());
  }
  return needs;
}

bool RateLimiter::FitsShared(const std::vector<Need>& needs, int64_t now_ms,
                             std::optional<Miss>& miss) {
  std::vector<const Need*> short_of;
  for (const Need& need : needs) {
    if (!shared_->budgets[static_cast<size_t>(need.kind)].Covers(need.amount, now_ms)) {
      short_of.push_back(&need);
    }
  }
  if (short_of.empty()) return true;
  const bool owed = std::any_of(shared_->budgets.begin(), shared_->budgets.end(),
                                [](const LeasedBudget& b) { return b.debt() > 0; });
  if (!owed) return true;  // on credit: one request beyond the grants
  for (const Need* need : short_of) {
    const int64_t retry = shared_->budgets[static_cast<size_t>(need->kind)].RetryMs(now_ms);
    const int64_t fits_at = now_ms + (retry > 0 ? retry : kDefaultRetryMs);
    if (!miss || fits_at > miss->fits_at_ms) {
      miss = Miss{fits_at, std::string(ReasonName(need->kind)) + " " +
                               std::to_string(LimitOf(need->kind).value_or(0))};
    }
  }
  miss->lease_pending =
      now_ms >= no_waits_until_ms_ &&
      std::all_of(short_of.begin(), short_of.end(), [&](const Need* need) {
        return shared_->budgets[static_cast<size_t>(need->kind)].LeasePending(now_ms);
      });
  WakeIfWanted(now_ms);
  return false;
}

void RateLimiter::TakeShared(const TokenCount& estimate, int64_t now_ms) {
  for (bool ptu : {false, true}) {
    for (const Need& need : Needs(estimate, ptu)) {
      shared_->budgets[static_cast<size_t>(need.kind)].Take(need.amount, now_ms);
    }
  }
  WakeIfWanted(now_ms);
}

void RateLimiter::SettleShared(const Reservation& reservation, const TokenCount& actual,
                               int64_t now_ms) {
  const TokenCount& reserved = reservation.reserved;
  auto adjust = [&](LimitKind kind, int64_t delta) {
    if (!LimitOf(kind) || delta == 0) return;
    shared_->budgets[static_cast<size_t>(kind)].Adjust(delta, reservation.at_ms, now_ms);
  };
  adjust(LimitKind::kTpm, actual.total() - reserved.total());
  adjust(LimitKind::kInputTpm, actual.input - reserved.input);
  adjust(LimitKind::kOutputTpm, actual.output - reserved.output);
  WakeIfWanted(now_ms);
}

void RateLimiter::WakeIfWanted(int64_t now_ms) {
  if (!shared_->wake) return;
  for (LimitKind kind : kLimitKinds) {
    const std::optional<int64_t>& limit = LimitOf(kind);
    if (limit && *limit > 0 && shared_->budgets[static_cast<size_t>(kind)].WantsMore(now_ms)) {
      shared_->wake();
      return;
    }
  }
}

void RateLimiter::LeaseAnswered() {
  ++lease_answers_;
  lease_answered_.notify_all();
}

bool RateLimiter::AwaitLease(uint64_t seen, std::chrono::milliseconds max, int64_t now_ms) {
  std::unique_lock lock(mu_);
  if (lease_answered_.wait_for(lock, max, [&] { return lease_answers_ != seen; })) return true;
  no_waits_until_ms_ = now_ms + kNoWaitsAfterTimeoutMs;
  return false;
}

bool RateLimiter::LeaseAnsweredSince(uint64_t seen) {
  std::lock_guard lock(mu_);
  return lease_answers_ != seen;
}

void RateLimiter::LeaseWaitRanOut(int64_t now_ms) {
  std::lock_guard lock(mu_);
  no_waits_until_ms_ = now_ms + kNoWaitsAfterTimeoutMs;
}

void RateLimiter::ShareLimits(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (!shared_) shared_ = std::make_unique<Shared>();
  shared_->wake = std::move(wake);
}

std::vector<BudgetWant> RateLimiter::BudgetWanted(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<BudgetWant> wants;
  if (!shared_) return wants;
  for (LimitKind kind : kLimitKinds) {
    const std::optional<int64_t>& limit = LimitOf(kind);
    if (!limit || *limit <= 0) continue;
    LeasedBudget& budget = shared_->budgets[static_cast<size_t>(kind)];
    budget.set_block(*limit / kBlocksPerLimit);
    if (int64_t amount = budget.Wanted(now_ms); amount > 0) {
      wants.push_back({kind, amount, *limit});
    }
  }
  return wants;
}

void RateLimiter::BudgetGranted(LimitKind kind, const BudgetGrant& grant, int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (shared_) shared_->budgets[static_cast<size_t>(kind)].Granted(grant, now_ms);
  LeaseAnswered();
}

void RateLimiter::BudgetRefused(LimitKind kind, int64_t retry_ms, int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (shared_) shared_->budgets[static_cast<size_t>(kind)].Refused(retry_ms, now_ms);
  LeaseAnswered();
}

void RateLimiter::BudgetFailed(LimitKind kind, int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (shared_) shared_->budgets[static_cast<size_t>(kind)].Failed(now_ms);
  LeaseAnswered();
}

std::vector<BudgetReturn> RateLimiter::BudgetFinished(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<BudgetReturn> returns;
  if (!shared_) return returns;
  for (LimitKind kind : kLimitKinds) {
    for (const FinishedGrant& grant :
         shared_->budgets[static_cast<size_t>(kind)].Finished(now_ms)) {
      returns.push_back({kind, grant});
    }
  }
  return returns;
}

std::vector<BudgetReturn> RateLimiter::BudgetRelease(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<BudgetReturn> returns;
  if (!shared_) return returns;
  for (LimitKind kind : kLimitKinds) {
    for (const FinishedGrant& grant : shared_->budgets[static_cast<size_t>(kind)].Release(now_ms)) {
      returns.push_back({kind, grant});
    }
  }
  return returns;
}

}  // namespace berth
