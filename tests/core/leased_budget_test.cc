// LeasedBudget alone (grants, credit, debt, hand-back) and RateLimiter's shared limits on three
// simulated instances over one in-memory ledger that follows the store's rule (a grant counts
// from its start until 60 s after its use ends), with traffic skewed to one instance or spread
// over all: the sum admitted in every 60 s window stays within the limit plus one request per
// instance, and one busy instance gets the whole limit. Time is passed in milliseconds.
#include "core/leased_budget.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "core/rate_limiter.h"
#include "core/sliding_window.h"

namespace berth {
namespace {

constexpr int64_t kT0 = 1'000'000;
constexpr int64_t kUse = LeasedBudget::kUseMs;

TEST(LeasedBudgetTest, TheFirstRequestGoesOnCreditAndTheNextGrantPaysItFirst) {
  LeasedBudget budget(3);
  EXPECT_FALSE(budget.Covers(1, kT0));
  budget.Take(1, kT0);  // the caller admits it on credit: nothing was owed
  EXPECT_EQ(budget.debt(), 1);
  EXPECT_EQ(budget.Available(kT0), -1);
  EXPECT_EQ(budget.Wanted(kT0), 4) << "a block and the debt";
  EXPECT_EQ(budget.Wanted(kT0), 0) << "one lease in flight at a time";
  budget.Granted({7, 4, kT0}, kT0 + 5);
  EXPECT_EQ(budget.debt(), 0);
  EXPECT_EQ(budget.Available(kT0 + 5), 3);
  EXPECT_TRUE(budget.Covers(3, kT0 + 5));
}

TEST(LeasedBudgetTest, LeasesOnlyWhenThereIsDemandAndHalfABlockOrLessLeft) {
  LeasedBudget budget(10);
  EXPECT_EQ(budget.Wanted(kT0), 0) << "an idle instance leases nothing";
  EXPECT_FALSE(budget.Covers(1, kT0));
  EXPECT_EQ(budget.Wanted(kT0), 10);
  budget.Granted({1, 10, kT0}, kT0);
  budget.Take(4, kT0 + 1);
  EXPECT_EQ(budget.Wanted(kT0 + 1), 0) << "6 of 10 left";
  budget.Take(1, kT0 + 2);
  EXPECT_FALSE(budget.WantsMore(kT0 + 2 + kUse)) << "no demand for a use time";
  EXPECT_EQ(budget.Wanted(kT0 + 2), 10) << "prefetch at half a block";
}

TEST(LeasedBudgetTest, GrantsAreHandedBackWhenSpentOrWhenTheirUseTimeEnds) {
  LeasedBudget budget(4);
  budget.Covers(1, kT0);
  ASSERT_GT(budget.Wanted(kT0), 0);
  budget.Granted({1, 2, kT0}, kT0);  // less than asked
  ASSERT_GT(budget.Wanted(kT0), 0);  // half a block or less left: prefetch
  budget.Granted({2, 2, kT0 + 10}, kT0 + 10);
  budget.Take(2, kT0 + 100);
  std::vector<FinishedGrant> spent = budget.Finished(kT0 + 150);
  ASSERT_EQ(spent.size(), 1u);
  EXPECT_EQ(spent[0].id, 1);
  EXPECT_EQ(spent[0].unused, 0);
  EXPECT_EQ(spent[0].used_ms, 150) << "counts 60 s past its last possible use, not past kUseMs";
  EXPECT_TRUE(budget.Finished(kT0 + kUse).empty());
  EXPECT_EQ(budget.Available(kT0 + 10 + kUse), 0) << "a grant past its use time holds nothing";
  std::vector<FinishedGrant> expired = budget.Finished(kT0 + 10 + kUse);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 2);
  EXPECT_EQ(expired[0].unused, 2);
  EXPECT_EQ(expired[0].used_ms, kUse);
}

TEST(LeasedBudgetTest, ARefusalQuietsTheLeaserAndGivesTheRetryTime) {
  LeasedBudget budget(5);
  budget.Covers(1, kT0);
  ASSERT_GT(budget.Wanted(kT0), 0);
  budget.Refused(20'000, kT0);
  EXPECT_EQ(budget.RetryMs(kT0 + 1000), 19'000);
  EXPECT_EQ(budget.Wanted(kT0 + 500), 0) << "asks again within a second, not at once";
  budget.Covers(1, kT0 + 1000);
  EXPECT_EQ(budget.Wanted(kT0 + 1000), 5) << "another instance may have handed budget back";
  budget.Failed(kT0 + 1000);
  EXPECT_EQ(budget.Wanted(kT0 + 1200), 0);
  EXPECT_EQ(budget.Wanted(kT0 + 1500), 5);
}

TEST(LeasedBudgetTest, SettledDifferencesTakeMoreOrRefundIntoARecentGrantOnly) {
  LeasedBudget budget(100);
  budget.Covers(1, kT0);
  ASSERT_GT(budget.Wanted(kT0), 0);
  budget.Granted({1, 100, kT0}, kT0);
  budget.Take(50, kT0);
  budget.Adjust(30, kT0, kT0 + 10);  // used more than estimated
  EXPECT_EQ(budget.Available(kT0 + 10), 20);
  budget.Adjust(-40, kT0, kT0 + 20);  // used less
  EXPECT_EQ(budget.Available(kT0 + 20), 60);
  budget.Adjust(60, kT0, kT0 + 30);
  budget.Adjust(10, kT0, kT0 + 30);
  EXPECT_EQ(budget.debt(), 10) << "what no grant covers is owed";
  budget.Adjust(-15, kT0, kT0 + 40);
  EXPECT_EQ(budget.debt(), 0) << "a refund pays the debt first";
  EXPECT_EQ(budget.Available(kT0 + 40), 5);
  // A refund of a reservation taken long before the newest grant started is dropped.
  budget.Granted({2, 100, kT0 + 58'000}, kT0 + 58'000);
  budget.Adjust(-10, kT0, kT0 + 58'000);
  EXPECT_EQ(budget.Available(kT0 + 58'000), 100);
}

TEST(LeasedBudgetTest, ReleaseHandsEverythingBackAndForgivesTheDebt) {
  LeasedBudget budget(4);
  budget.Covers(1, kT0);
  ASSERT_GT(budget.Wanted(kT0), 0);
  budget.Granted({3, 4, kT0}, kT0);
  budget.Take(1, kT0 + 100);
  std::vector<FinishedGrant> released = budget.Release(kT0 + 200);
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].unused, 3);
  EXPECT_EQ(released[0].used_ms, 200);
  EXPECT_EQ(budget.Available(kT0 + 200), 0);
}

// The store's ledger for one limit, in memory: grants count from their start until 60 s after
// their use ends (start + 60 s + kUseMs, shortened when handed back early).
class Ledger {
 public:
  explicit Ledger(int64_t limit) : limit_(limit) {}
  // A grant, or {0 amount, retry ms} when nothing is free.
  std::pair<BudgetGrant, int64_t> Lease(int64_t amount, int64_t now_ms) {
    std::erase_if(rows_, [&](const auto& row) { return row.second.until <= now_ms; });
    int64_t used = 0, oldest = now_ms + SlidingWindow::kWindowMs + kUse;
    for (const auto& [id, row] : rows_) {
      used += row.amount;
      oldest = std::min(oldest, row.until);
    }
    if (used >= limit_) return {BudgetGrant{}, oldest - now_ms};
    const int64_t id = ++next_id_;
    const int64_t granted = std::min(amount, limit_ - used);
    rows_[id] = {granted, now_ms + SlidingWindow::kWindowMs + kUse};
    return {BudgetGrant{id, granted, now_ms}, 0};
  }
  void Finish(const FinishedGrant& grant) {
    auto it = rows_.find(grant.id);
    if (it == rows_.end()) return;
    it->second.amount -= grant.unused;
    it->second.until -= kUse - grant.used_ms;
  }

 private:
  struct Row {
    int64_t amount;
    int64_t until;
  };
  int64_t limit_;
  int64_t next_id_ = 0;
  std::map<int64_t, Row> rows_;
};

// Three instances on one ledger: every `tick_ms` each one's leaser asks for what it wants
// (answered at once) and hands back what is finished; `pick(i)` chooses the instance of the
// i-th request, sent every `every_ms`. Returns the admission times of all instances.
template <typename Pick>
std::vector<int64_t> Simulate(RateLimits limits, TokenCount estimate, int64_t every_ms,
                              int64_t for_ms, Pick pick) {
  constexpr int kInstances = 3;
  constexpr int64_t kTickMs = 50;
  std::map<LimitKind, Ledger> ledgers;
  for (LimitKind kind : kLimitKinds) ledgers.emplace(kind, Ledger(limits.rpm.value_or(0)));
  if (limits.tpm) ledgers.at(LimitKind::kTpm) = Ledger(*limits.tpm);
  if (limits.input_tpm) ledgers.at(LimitKind::kInputTpm) = Ledger(*limits.input_tpm);
  if (limits.output_tpm) ledgers.at(LimitKind::kOutputTpm) = Ledger(*limits.output_tpm);
  std::deque<RateLimiter> instances(kInstances);
  for (RateLimiter& limiter : instances) {
    limiter.SetLimits(limits);
    limiter.ShareLimits(nullptr);
  }
  std::vector<int64_t> admitted;
  int request = 0;
  for (int64_t now = kT0; now < kT0 + for_ms; now += 10) {
    if ((now - kT0) % every_ms == 0) {
      Reservation r = instances[pick(request++)].Reserve(estimate, now);
      if (r.admission == Admission::kAdmitted) admitted.push_back(now);
    }
    if ((now - kT0) % kTickMs != 0) continue;
    for (RateLimiter& limiter : instances) {
      for (const BudgetReturn& back : limiter.BudgetFinished(now)) {
        ledgers.at(back.kind).Finish(back.grant);
      }
      for (const BudgetWant& want : limiter.BudgetWanted(now)) {
        auto [grant, retry] = ledgers.at(want.kind).Lease(want.amount, now);
        if (grant.id == 0) {
          limiter.BudgetRefused(want.kind, retry, now);
        } else {
          limiter.BudgetGranted(want.kind, grant, now);
        }
      }
    }
  }
  return admitted;
}

// The most admissions in any 60 s window, and in the first one.
int64_t MostInAnyWindow(const std::vector<int64_t>& times) {
  int64_t most = 0;
  for (size_t i = 0, j = 0; j < times.size(); ++j) {
    while (times[j] - times[i] >= SlidingWindow::kWindowMs) ++i;
    most = std::max<int64_t>(most, static_cast<int64_t>(j - i + 1));
  }
  return most;
}

int64_t InFirstWindow(const std::vector<int64_t>& times) {
  return std::count_if(times.begin(), times.end(),
                       [](int64_t t) { return t < kT0 + SlidingWindow::kWindowMs; });
}

RateLimits Rpm(int64_t rpm) {
  RateLimits limits;
  limits.rpm = rpm;
  return limits;
}

TEST(SharedLimitsTest, RpmSkewedToOneInstanceGetsTheWholeLimitAndNeverMore) {
  const std::vector<int64_t> admitted =
      Simulate(Rpm(30), TokenCount{1, 1}, 200, 200'000, [](int) { return 0; });
  EXPECT_GE(InFirstWindow(admitted), 30) << "not a third of it";
  EXPECT_LE(MostInAnyWindow(admitted), 30 + 3);
  EXPECT_GE(admitted.size(), 90u) << "about the limit every minute, sustained";
}

TEST(SharedLimitsTest, RpmSpreadOverAllInstancesStaysWithinTheLimitPlusOnePerInstance) {
  const std::vector<int64_t> admitted =
      Simulate(Rpm(30), TokenCount{1, 1}, 100, 200'000, [](int i) { return i % 3; });
  EXPECT_LE(MostInAnyWindow(admitted), 30 + 3);
  EXPECT_GE(InFirstWindow(admitted), 27) << "little held back by the other instances";
}

TEST(SharedLimitsTest, RpmBurstsOnEveryInstanceStayWithinTheLimitPlusOnePerInstance) {
  const std::vector<int64_t> admitted =
      Simulate(Rpm(30), TokenCount{1, 1}, 10, 130'000, [](int i) { return (i / 7) % 3; });
  EXPECT_LE(MostInAnyWindow(admitted), 30 + 3);
}

TEST(SharedLimitsTest, TpmHoldsAcrossInstancesSkewedOrSpread) {
  RateLimits limits;
  limits.tpm = 3000;  // 30 requests of 100 tokens
  for (int skew = 0; skew < 2; ++skew) {
    const std::vector<int64_t> admitted = Simulate(limits, TokenCount{60, 40}, 100, 130'000,
                                                   [skew](int i) { return skew ? 0 : i % 3; });
    EXPECT_LE(MostInAnyWindow(admitted), 30 + 3) << "skew " << skew;
    EXPECT_GE(InFirstWindow(admitted), skew ? 30 : 27) << "skew " << skew;
  }
}

TEST(SharedLimitsTest, PtuHoldsAcrossInstancesAndOverflowsBeyondIt) {
  RateLimits limits;
  limits.input_tpm = 600;  // 30 requests of 20 input tokens
  limits.output_tpm = 3000;
  limits.overflow = false;
  for (int skew = 0; skew < 2; ++skew) {
    const std::vector<int64_t> admitted = Simulate(limits, TokenCount{20, 10}, 100, 130'000,
                                                   [skew](int i) { return skew ? 0 : i % 3; });
    EXPECT_LE(MostInAnyWindow(admitted), 30 + 3) << "skew " << skew;
    EXPECT_GE(InFirstWindow(admitted), skew ? 30 : 27) << "skew " << skew;
  }
  RateLimiter limiter;
  limits.overflow = true;
  limiter.SetLimits(limits);
  limiter.ShareLimits(nullptr);
  EXPECT_EQ(limiter.Reserve(TokenCount{20, 10}, kT0).admission, Admission::kAdmitted)
      << "on credit";
  EXPECT_EQ(limiter.Reserve(TokenCount{20, 10}, kT0).admission, Admission::kOverflow)
      << "no grant yet: pay-as-you-go";
}

TEST(SharedLimitsTest, AThrottledRequestNamesTheLimitAndWakesTheLeaser) {
  RateLimiter limiter;
  limiter.SetLimits(Rpm(30));
  int wakes = 0;
  limiter.ShareLimits([&wakes] { ++wakes; });
  EXPECT_EQ(limiter.Reserve(TokenCount{1, 1}, kT0).admission, Admission::kAdmitted);
  EXPECT_EQ(wakes, 1);
  Reservation refused = limiter.Reserve(TokenCount{1, 1}, kT0);
  EXPECT_EQ(refused.admission, Admission::kThrottled);
  EXPECT_EQ(refused.reason, "rpm_limit 30");
  EXPECT_EQ(refused.retry_after_s, 1);
  std::vector<BudgetWant> wants = limiter.BudgetWanted(kT0);
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].kind, LimitKind::kRpm);
  EXPECT_EQ(wants[0].amount, 3 + 1) << "a tenth of the limit and the request on credit";
  EXPECT_EQ(wants[0].limit, 30);
  limiter.BudgetGranted(LimitKind::kRpm, {1, 4, kT0}, kT0 + 2);
  EXPECT_EQ(limiter.Reserve(TokenCount{1, 1}, kT0 + 3).admission, Admission::kAdmitted);
}

TEST(SharedLimitsTest, ARequestRefusedWhileItsLeaseIsUnderWayCanWaitForIt) {
  RateLimiter limiter;
  limiter.SetLimits(Rpm(30));
  limiter.ShareLimits([] {});
  EXPECT_EQ(limiter.Reserve(TokenCount{1, 1}, kT0).admission, Admission::kAdmitted);
  Reservation refused = limiter.Reserve(TokenCount{1, 1}, kT0);
  ASSERT_EQ(refused.admission, Admission::kThrottled);
  EXPECT_TRUE(refused.lease_pending) << "the leaser is about to ask";
  ASSERT_EQ(limiter.BudgetWanted(kT0).size(), 1u);
  std::thread leaser([&] { limiter.BudgetGranted(LimitKind::kRpm, {1, 4, kT0}, kT0 + 2); });
  EXPECT_TRUE(limiter.AwaitLease(refused.lease_answers, std::chrono::seconds(10), kT0));
  leaser.join();
  EXPECT_TRUE(limiter.AwaitLease(refused.lease_answers, std::chrono::milliseconds(0), kT0))
      << "an answer that came before the wait counts";
  EXPECT_EQ(limiter.Reserve(TokenCount{1, 1}, kT0 + 3).admission, Admission::kAdmitted);

  // Refused by the ledger: nothing under way, so nothing to wait for.
  limiter.BudgetFinished(kT0 + 3);
  for (int i = 0; i < 3; ++i) limiter.Reserve(TokenCount{1, 1}, kT0 + 4);
  ASSERT_EQ(limiter.BudgetWanted(kT0 + 4).size(), 1u);
  limiter.BudgetRefused(LimitKind::kRpm, 30'000, kT0 + 5);
  Reservation over = limiter.Reserve(TokenCount{1, 1}, kT0 + 6);
  EXPECT_EQ(over.admission, Admission::kThrottled);
  EXPECT_FALSE(over.lease_pending);
}

TEST(SharedLimitsTest, AWaitThatRunsOutStopsTheWaitsForASecond) {
  RateLimiter limiter;
  limiter.SetLimits(Rpm(30));
  limiter.ShareLimits([] {});
  EXPECT_EQ(limiter.Reserve(TokenCount{1, 1}, kT0).admission, Admission::kAdmitted);
  ASSERT_EQ(limiter.BudgetWanted(kT0).size(), 1u);  // and the database never answers
  Reservation refused = limiter.Reserve(TokenCount{1, 1}, kT0);
  ASSERT_TRUE(refused.lease_pending);
  EXPECT_FALSE(limiter.AwaitLease(refused.lease_answers, std::chrono::milliseconds(5), kT0));
  EXPECT_FALSE(limiter.Reserve(TokenCount{1, 1}, kT0 + 999).lease_pending)
      << "a slow database: refuse at once instead of blocking every request";
  Reservation later = limiter.Reserve(TokenCount{1, 1}, kT0 + 1000);
  EXPECT_EQ(later.admission, Admission::kThrottled);
  EXPECT_TRUE(later.lease_pending) << "a second later, one request may wait again";
}

}  // namespace
}  // namespace berth
