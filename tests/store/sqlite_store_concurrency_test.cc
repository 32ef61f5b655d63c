#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace berth {
namespace {

using testing::CreatedEvent;
using testing::MakeDeployment;
using testing::TempDir;

class SqliteStoreConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

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

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreConcurrencyTest, ConcurrentCreatesAllLandAndShareCommits) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::atomic<int> unseen{0};
  int64_t commits_before = store_->commits();
  int64_t writes_before = store_->writes();
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      Deployment d = MakeDeployment("m-" + std::to_string(t) + "-" + std::to_string(i));
      if (!store_->CreateDeployment(d, CreatedEvent(d)).ok()) ++failures;
      // An acknowledged write is visible to every later read.
      if (!store_->GetDeployment(d.deployed_model).ok()) ++unseen;
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unseen.load(), 0);
  StatusOr<std::vector<Deployment>> all = store_->ListAllDeployments();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(store_->CountDeploymentsByStatus()->at(DeploymentStatus::kPending),
            kThreads * kPerThread);

  int64_t commits = store_->commits() - commits_before;
  int64_t writes = store_->writes() - writes_before;
  std::printf("group commit: %lld writes in %lld commits (%.1f writes per fsync)\n",
              static_cast<long long>(writes), static_cast<long long>(commits),
              static_cast<double>(writes) / static_cast<double>(commits));
  EXPECT_EQ(writes, kThreads * kPerThread);
  EXPECT_LT(commits, writes) << "no batching happened under concurrency";
}

}  // namespace
}  // namespace berth
