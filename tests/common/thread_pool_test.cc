#include "common/thread_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/thread_name.h"

namespace berth {
namespace {

std::string ThisThreadsName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST(ThreadPoolTest, RunsEveryTaskBeforeDestructionCompletes) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool("test-pool", 3);
    for (int i = 0; i < 1000; ++i) pool.Submit([&ran] { ran.fetch_add(1); });
  }  // the destructor drains the queue, then joins
  EXPECT_EQ(ran.load(), 1000);
}

TEST(ThreadPoolTest, RunsTasksOffTheSubmittingThread) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  {
    ThreadPool pool("test-pool", 2);
    for (int i = 0; i < 50; ++i) {
      pool.Submit([&] {
        std::lock_guard lock(mu);
        ids.insert(std::this_thread::get_id());
      });
    }
  }
  ASSERT_FALSE(ids.empty());
  EXPECT_LE(ids.size(), 2u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(ThreadPoolTest, SingleThreadRunsInSubmissionOrder) {
  std::vector<int> order;
  {
    ThreadPool pool("test-pool", 1);
    for (int i = 0; i < 20; ++i) pool.Submit([&order, i] { order.push_back(i); });
  }
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(ThreadPoolTest, TaskMaySubmitMoreWork) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool("test-pool", 2);
    pool.Submit([&] {
      ran.fetch_add(1);
      pool.Submit([&] { ran.fetch_add(1); });
    });
  }
  EXPECT_EQ(ran.load(), 2);
}

TEST(ThreadPoolTest, TrySubmitRefusesOnceTheQueueIsFull) {
  std::mutex gate;
  std::unique_lock hold(gate);
  std::atomic<int> ran{0};
  std::atomic<bool> started{false};
  {
    ThreadPool pool("test-pool", 1, 2);
    // The one thread blocks in the first task; two more wait; the fourth is refused.
    ASSERT_TRUE(pool.TrySubmit([&] {
      started = true;
      std::lock_guard wait(gate);
      ran.fetch_add(1);
    }));
    while (!started) std::this_thread::yield();
    EXPECT_TRUE(pool.TrySubmit([&] { ran.fetch_add(1); }));
    EXPECT_TRUE(pool.TrySubmit([&] { ran.fetch_add(1); }));
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_FALSE(pool.TrySubmit([&] { ran.fetch_add(100); }));
    pool.Submit([&] { ran.fetch_add(1); });  // Submit ignores the bound
    hold.unlock();
  }
  EXPECT_EQ(ran.load(), 4);
}

TEST(ThreadPoolTest, NoBoundWithoutMaxQueued) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool("test-pool", 1);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(ThreadPoolTest, ThreadsCarryThePoolsName) {
  ThreadPool pool("test-pool", 2);
  std::promise<std::string> name;
  pool.Submit([&] { name.set_value(ThisThreadsName()); });
  EXPECT_EQ(name.get_future().get(), "test-pool");
}

TEST(ThreadNameTest, ANameOverFifteenBytesIsCut) {
  std::string got;
  std::thread([&] {
    NameThisThread("berth-a-very-long-name");
    got = ThisThreadsName();
  }).join();
  EXPECT_EQ(got, "berth-a-very-lo");
}

}  // namespace
}  // namespace berth
