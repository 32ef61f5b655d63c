#include "core/leased_budget.h"

#include <algorithm>

#include "core/sliding_window.h"

namespace berth {
namespace {

// After a refusal, ask the ledger again no sooner than this and no later than that: other
// instances hand budget back at any time, so the ledger's own hint is only an upper bound.
constexpr int64_t kMinQuietMs = 100;
constexpr int64_t kMaxQuietMs = 1000;
constexpr int64_t kFailedQuietMs = 500;

}  // namespace

LeasedBudget::LeasedBudget(int64_t block) : block_(std::max<int64_t>(1, block)) {}

void LeasedBudget::set_block(int64_t block) { block_ = std::max<int64_t>(1, block); }

bool LeasedBudget::Live(const Held& held, int64_t now_ms) const {
  return now_ms < held.grant.start_ms + kUseMs;
}

int64_t LeasedBudget::Available(int64_t now_ms) const {
  int64_t left = 0;
  for (const Held& held : held_) {
    if (Live(held, now_ms)) left += held.left;
  }
  return left - debt_;
}

bool LeasedBudget::Covers(int64_t amount, int64_t now_ms) {
  last_demand_ms_ = now_ms;
  return Available(now_ms) >= amount;
}

void LeasedBudget::Take(int64_t amount, int64_t now_ms) {
  last_demand_ms_ = now_ms;
  for (Held& held : held_) {
    if (amount <= 0) return;
    if (!Live(held, now_ms)) continue;
    const int64_t spent = std::min(held.left, amount);
    held.left -= spent;
    amount -= spent;
  }
  if (amount > 0) debt_ += amount;
}

void LeasedBudget::Adjust(int64_t delta, int64_t taken_at_ms, int64_t now_ms) {
  if (delta >= 0) {
    if (delta > 0) Take(delta, now_ms);
    return;
  }
  int64_t refund = -delta;
  const int64_t paid = std::min(debt_, refund);
  debt_ -= paid;
  refund -= paid;
  if (refund == 0) return;
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    if (!Live(*it, now_ms)) continue;
    if (it->grant.start_ms - taken_at_ms <= SlidingWindow::kWindowMs - kUseMs) it->left += refund;
    return;
  }
}

bool LeasedBudget::WantsMore(int64_t now_ms) {
  if (in_flight_ || now_ms < quiet_until_ms_) return false;
  if (debt_ > 0) return true;
  if (now_ms - last_demand_ms_ >= kUseMs) return false;
  return Available(now_ms) * 2 <= block_;
}

int64_t LeasedBudget::Wanted(int64_t now_ms) {
  if (!WantsMore(now_ms)) return 0;
  in_flight_ = true;
  return block_ + debt_;
}

void LeasedBudget::Granted(const BudgetGrant& grant, int64_t now_ms) {
  (void)now_ms;
  in_flight_ = false;
  const int64_t paid = std::min(debt_, grant.amount);
  debt_ -= paid;
  held_.push_back({grant, grant.amount - paid});
}

void LeasedBudget::Refused(int64_t retry_ms, int64_t now_ms) {
  in_flight_ = false;
  retry_at_ms_ = now_ms + std::max<int64_t>(0, retry_ms);
  quiet_until_ms_ = now_ms + std::clamp(retry_ms, kMinQuietMs, kMaxQuietMs);
}

void LeasedBudget::Failed(int64_t now_ms) {
  in_flight_ = false;
  quiet_until_ms_ = now_ms + kFailedQuietMs;
}

std::vector<FinishedGrant> LeasedBudget::Finished(int64_t now_ms) {
  std::vector<FinishedGrant> finished;
  std::erase_if(held_, [&](const Held& held) {
    const bool expired = !Live(held, now_ms);
    if (!expired && held.left > 0) return false;
    const int64_t used = std::min(now_ms - held.grant.start_ms, kUseMs);
    finished.push_back({held.grant.id, held.left, std::max<int64_t>(0, used)});
    return true;
  });
  return finished;
}

std::vector<FinishedGrant> LeasedBudget::Release(int64_t now_ms) {
  std::vector<FinishedGrant> released;
  for (const Held& held : held_) {
    const int64_t used = std::clamp<int64_t>(now_ms - held.grant.start_ms, 0, kUseMs);
    released.push_back({held.grant.id, held.left, used});
  }
  held_.clear();
  debt_ = 0;
  return released;
}

int64_t LeasedBudget::RetryMs(int64_t now_ms) const {
  return std::max<int64_t>(0, retry_at_ms_ - now_ms);
}

}  // namespace berth
