// The ledger of leased limit budgets on a real PostgreSQL: grants never add up to more than the
// limit, also when several instances lease at once; a grant handed back frees its unused part
// and counts only until the window after its use; and the leaser keeps a limiter supplied from
// it on its own thread and hands everything back when it stops. PostgreSQL only: with SQLite
// there is one instance and no ledger.
#include "cluster/budget_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cluster/budget_leaser.h"
#include "postgres_server.h"
#include "store/postgres/postgres_store.h"

namespace berth {
namespace {

using testing::SharedPostgres;

class BudgetLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::string> url = SharedPostgres().CreateDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    auto store = PostgresStore::Open(url_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::string url_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(BudgetLedgerTest, GrantsUpToTheLimitThenRefusesUntilTheOldestGrantStopsCounting) {
  BudgetLedger ledger(store_->pool());
  StatusOr<LedgerLease> first = ledger.Lease("uid-a", "rpm", 20, 30);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GT(first->id, 0);
  EXPECT_EQ(first->amount, 20);
  StatusOr<LedgerLease> second = ledger.Lease("uid-a", "rpm", 20, 30);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->amount, 10) << "what is left of the limit";
  StatusOr<LedgerLease> none = ledger.Lease("uid-a", "rpm", 1, 30);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->id, 0);
  EXPECT_GT(none->retry_ms, 60'000) << "the window and the use time";
  EXPECT_LE(none->retry_ms, 65'000);
  StatusOr<LedgerLease> other = ledger.Lease("uid-a", "tpm", 5, 30);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->amount, 5) << "each limit kind has its own budget";
  EXPECT_EQ(*ledger.Counted("uid-a", "rpm"), 30);
}

TEST_F(BudgetLedgerTest, AHandedBackGrantFreesItsUnusedPartAndCountsOnlyAWindowAfterItsUse) {
  BudgetLedger ledger(store_->pool(), Millis(1000), Millis(5000));
  StatusOr<LedgerLease> spent = ledger.Lease("uid-b", "rpm", 10, 10);
  ASSERT_TRUE(spent.ok() && spent->amount == 10);
  ASSERT_TRUE(ledger.Finish({{spent->id, 4, 100}}).ok());
  EXPECT_EQ(*ledger.Counted("uid-b", "rpm"), 6);
  StatusOr<LedgerLease> more = ledger.Lease("uid-b", "rpm", 10, 10);
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->amount, 4);
  // Used for 100 ms of a 1 s window: gone after about 1.1 s, not after 6 s.
  std::this_thread::sleep_for(Millis(1300));
  EXPECT_EQ(*ledger.Counted("uid-b", "rpm"), 4) << "only the grant still in use counts";
  EXPECT_GE(*ledger.Sweep(), 1);
}

TEST_F(BudgetLedgerTest, InstancesLeasingAtOnceNeverGrantMoreThanTheLimit) {
  constexpr int kInstances = 4;
  std::vector<std::unique_ptr<PostgresStore>> instances;
  for (int i = 0; i < kInstances; ++i) {
    auto store = PostgresStore::Open(url_);
    ASSERT_TRUE(store.ok());
    instances.push_back(std::move(store).value());
  }
  std::atomic<int64_t> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      BudgetLedger ledger(instances[i]->pool());
      for (int n = 0; n < 30; ++n) {
        StatusOr<LedgerLease> lease = ledger.Lease("uid-c", "tpm", 7, 500);
        if (lease.ok()) granted += lease->amount;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(granted.load(), 500) << "4 x 30 x 7 asked for, the limit granted, no more";
  EXPECT_EQ(*BudgetLedger(store_->pool()).Counted("uid-c", "tpm"), 500);
}

TEST_F(BudgetLedgerTest, TheLeaserSuppliesALimiterOffTheRequestPathAndHandsBackOnStop) {
  RealClock clock;
  BudgetLedger ledger(store_->pool());
  BudgetLeaser leaser(ledger, clock, Millis(20));
  auto limiter = std::make_shared<RateLimiter>();
  RateLimits limits;
  limits.rpm = 20;
  limiter->SetLimits(limits);
  leaser.Track("m", "uid-d", limiter);
  leaser.Start();
  auto now_ms = [&clock] {
    return std::chrono::duration_cast<Millis>(clock.MonotonicNow().time_since_epoch()).count();
  };
  int admitted = 0;
  const auto deadline = clock.MonotonicNow() + std::chrono::seconds(10);
  while (admitted < 20 && clock.MonotonicNow() < deadline) {
    if (limiter->Reserve(TokenCount{1, 1}, now_ms()).admission == Admission::kAdmitted) ++admitted;
    std::this_thread::sleep_for(Millis(5));
  }
  EXPECT_EQ(admitted, 20) << "the whole limit (the windows stop the request on credit here)";
  for (int i = 0; i < 20; ++i) {
    EXPECT_NE(limiter->Reserve(TokenCount{1, 1}, now_ms()).admission, Admission::kAdmitted);
  }
  EXPECT_EQ(*ledger.Counted("uid-d", "rpm"), 20);
  leaser.Stop();
  EXPECT_EQ(*ledger.Counted("uid-d", "rpm"), 20) << "all of it was used";

  auto idle = std::make_shared<RateLimiter>();
  idle->SetLimits(limits);
  BudgetLeaser second(ledger, clock, Millis(20));
  second.Track("n", "uid-e", idle);
  second.Start();
  EXPECT_EQ(idle->Reserve(TokenCount{1, 1}, now_ms()).admission, Admission::kAdmitted);
  while (*ledger.Counted("uid-e", "rpm") == 0 && clock.MonotonicNow() < deadline) {
    std::this_thread::sleep_for(Millis(10));
  }
  EXPECT_EQ(*ledger.Counted("uid-e", "rpm"), 2 + 1) << "a block and the request on credit";
  second.Stop();
  EXPECT_EQ(*ledger.Counted("uid-e", "rpm"), 1) << "the unused block went back";
}

}  // namespace
}  // namespace berth
