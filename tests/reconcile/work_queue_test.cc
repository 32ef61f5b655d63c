#include "reconcile/work_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(WorkQueueTest, DeduplicatesQueuedKeys) {
  RealClock clock;
  WorkQueue q(clock);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  q.Add("end");
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), "end");  // no second "a" in between
}

TEST(WorkQueueTest, BackgroundKeysWaitBehindOthersUntilAddedAgain) {
  RealClock clock;
  WorkQueue q(clock);
  q.AddBackground("sweep-1", milliseconds(0));
  q.AddBackground("sweep-2", milliseconds(0));
  q.AddBackground("sweep-3", milliseconds(0));
  q.Add("change");
  q.Add("sweep-2");  // a change to a key the sweep also queued: it moves forward
  q.AddBackground("change", milliseconds(0));  // already in the front lane: stays there
  EXPECT_EQ(q.Get(), "change");
  EXPECT_EQ(q.Get(), "sweep-2");
  EXPECT_EQ(q.Get(), "sweep-1");
  q.Add("later");
  EXPECT_EQ(q.Get(), "later");
  EXPECT_EQ(q.Get(), "sweep-3");  // once, not again from its stale background entry
  q.Add("end");
  EXPECT_EQ(q.Get(), "end");
}

TEST(WorkQueueTest, SpreadBackgroundKeysComeDueInTurn) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddBackgroundSpread({"a", "b", "c", "d"}, milliseconds(400));  // due at 0, 100, 200, 300 ms
  EXPECT_EQ(q.Get(), "a");
  clock.Advance(milliseconds(200));
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), "c");
  q.Add("change");
  clock.Advance(milliseconds(100));
  EXPECT_EQ(q.Get(), "change");  // the front lane first, though "d" is due too
  EXPECT_EQ(q.Get(), "d");
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsHandedOutAgainAfterDone) {
  RealClock clock;
  WorkQueue q(clock);
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Add("a");  // changed while a worker holds it
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Get(), "b");  // "a" is not handed to a second worker meanwhile
  q.Done("b");
  q.Done("a");
  EXPECT_EQ(q.Get(), "a");  // once, despite two adds
  q.Done("a");
  q.Add("end");
  EXPECT_EQ(q.Get(), "end");
}

TEST(WorkQueueTest, DoneWithoutNewAddDoesNotRequeue) {
  RealClock clock;
  WorkQueue q(clock);
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Done("a");
  q.Add("end");
  EXPECT_EQ(q.Get(), "end");
}

TEST(WorkQueueTest, AddAfterWaitsForTheDelayOnTheMonotonicClock) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("later", std::chrono::seconds(30));
  q.Add("now");
  EXPECT_EQ(q.Get(), "now");
  clock.SetWallTime(clock.Now() + std::chrono::hours(1));  // a wall-clock step hurries nothing
  clock.Advance(std::chrono::seconds(29));
  q.Add("still-early");
  EXPECT_EQ(q.Get(), "still-early");
  clock.SetWallTime(clock.Now() - std::chrono::hours(2));  // nor does one back stall it
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(q.Get(), "later");
}

TEST(WorkQueueTest, BlockedGetWakesWhenTheDelayHasPassed) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("later", milliseconds(50));
  auto got = std::async(std::launch::async, [&q] { return q.Get(); });
  clock.Advance(milliseconds(50));
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(got.get(), "later");
}

TEST(WorkQueueTest, AddAfterWakesABlockedGetEarlier) {
  RealClock clock;
  WorkQueue q(clock);
  q.AddAfter("slow", std::chrono::seconds(30));
  auto got = std::async(std::launch::async, [&q] { return q.Get(); });
  std::this_thread::sleep_for(milliseconds(20));  // let Get() wait for the 30 s entry
  auto start = steady_clock::now();
  q.AddAfter("fast", milliseconds(20));
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(got.get(), "fast");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(WorkQueueTest, DelayedKeysReachIdleWorkersWhenOneWorkerWatchesTheClock) {
  // Only one idle worker waits on the clock; the key it takes must pass the watch on, so the
  // later keys still come due while the other workers wait untimed.
  RealClock clock;
  WorkQueue q(clock);
  std::vector<std::future<std::optional<std::string>>> workers;
  for (int i = 0; i < 4; ++i) {
    workers.push_back(std::async(std::launch::async, [&q] { return q.Get(); }));
  }
  std::this_thread::sleep_for(milliseconds(20));  // all four wait, none on the clock
  q.AddAfter("c", milliseconds(60));
  q.AddAfter("b", milliseconds(40));  // earlier than the one being watched
  q.AddAfter("a", milliseconds(20));
  std::set<std::string> got;
  const auto deadline = steady_clock::now() + std::chrono::seconds(5);
  while (got.size() < 3 && steady_clock::now() < deadline) {
    for (auto& w : workers) {
      if (!w.valid() || w.wait_for(milliseconds(1)) != std::future_status::ready) continue;
      if (std::optional<std::string> key = w.get()) got.insert(*key);
    }
  }
  EXPECT_EQ(got, (std::set<std::string>{"a", "b", "c"}));
  q.ShutDown();  // the fourth worker, if still waiting
}

TEST(WorkQueueTest, AddAfterZeroIsImmediate) {
  RealClock clock;
  WorkQueue q(clock);
  q.AddAfter("a", milliseconds(0));
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueueTest, ShutDownUnblocksGet) {
  RealClock clock;
  WorkQueue q(clock);
  auto got = std::async(std::launch::async, [&q] { return q.Get(); });
  EXPECT_EQ(got.wait_for(milliseconds(20)), std::future_status::timeout);
  q.ShutDown();
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(got.get(), std::nullopt);
  q.Add("a");  // ignored once shut down
  EXPECT_EQ(q.Get(), std::nullopt);
}

}  // namespace
}  // namespace berth
