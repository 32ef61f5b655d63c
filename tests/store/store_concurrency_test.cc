// The Store contract under concurrent writers, on both backends: version conflicts and unique
// names resolve to exactly one winner, and a failing write spoils no other.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "store_backends.h"

namespace berth {
namespace {

using testing::CreatedEvent;
using testing::MakeDeployment;

class StoreConcurrencyTest : public testing::StoreBackendTest {
 protected:
  // Runs body(i) on `threads` threads released together.
  template <typename Body>
  void RunThreads(int threads, Body body) {
    std::latch start(threads);
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        start.arrive_and_wait();
        body(i);
      });
    }
    for (std::thread& t : workers) t.join();
  }
};

TEST_P(StoreConcurrencyTest, OnlyOneOfManyWritersWithTheSameVersionWins) {
  Deployment d = MakeDeployment("contended");
  ASSERT_TRUE(store_->CreateDeployment(d, CreatedEvent(d)).ok());
  d.version = 1;
  constexpr int kThreads = 8;
  std::atomic<int> won{0};
  std::atomic<int> aborted{0};
  RunThreads(kThreads, [&](int t) {
    Deployment mine = d;
    mine.capacity = 2 * (t + 1);
    Status status = store_->UpdateDeployment(mine, {MakeEvent(mine, "Scaled", "", "t", d.created)});
    if (status.ok()) ++won;
    if (status.code() == StatusCode::kAborted) ++aborted;
  });
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(aborted.load(), kThreads - 1);
  EXPECT_EQ(store_->GetDeployment("contended")->version, 2);
  EXPECT_EQ(store_->ListEvents(d.uid)->size(), 2u) << "Created plus the winner's event only";
}

// Failing writes share batches with succeeding ones; each gets its own status and rolls back
// only itself.
TEST_P(StoreConcurrencyTest, AFailingWriteDoesNotSpoilItsBatch) {
  constexpr int kThreads = 16;
  constexpr int kRounds = 20;
  std::atomic<int> shared_created{0};
  std::atomic<int> shared_taken{0};
  std::atomic<int> own_failed{0};
  RunThreads(kThreads, [&](int t) {
    for (int r = 0; r < kRounds; ++r) {
      Deployment shared = MakeDeployment("shared-" + std::to_string(r));
      shared.uid = "uid-shared-" + std::to_string(r) + "-" + std::to_string(t);
      Status status = store_->CreateDeployment(shared, CreatedEvent(shared));
      if (status.ok()) ++shared_created;
      if (status.code() == StatusCode::kAlreadyExists) ++shared_taken;
      Deployment own = MakeDeployment("own-" + std::to_string(t) + "-" + std::to_string(r));
      if (!store_->CreateDeployment(own, CreatedEvent(own)).ok()) ++own_failed;
    }
  });
  EXPECT_EQ(shared_created.load(), kRounds);
  EXPECT_EQ(shared_taken.load(), kRounds * (kThreads - 1));
  EXPECT_EQ(own_failed.load(), 0);
  EXPECT_EQ(store_->ListAllDeployments()->size(), static_cast<size_t>(kRounds * (kThreads + 1)));
  // Only the winners' Created events were stored.
  int events = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (int t = 0; t < kThreads; ++t) {
      events += static_cast<int>(
          store_->ListEvents("uid-shared-" + std::to_string(r) + "-" + std::to_string(t))->size());
    }
  }
  EXPECT_EQ(events, kRounds);
}

BERTH_STORE_BACKENDS(StoreConcurrencyTest);

}  // namespace
}  // namespace berth
