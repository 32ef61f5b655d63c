#include "gateway/usage_recorder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/flaky_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_util.h"

namespace berth {
namespace {

using testing::At;
using testing::FlakyUsageStore;
using testing::TempDir;

constexpr Millis kNever{3'600'000};  // a flush interval no test waits for

// Writes every `interval`, or at once when `batch` records are queued.
UsageRecorderOptions Every(Millis interval, size_t batch = 512) {
  UsageRecorderOptions options;
  options.flush_interval = interval;
  options.batch = batch;
  return options;
}

UsageRecord Usage(const std::string& deployed_model, int64_t second, int64_t input_tokens) {
  UsageRecord u;
  u.deployed_model = deployed_model;
  u.deployment_uid = "uid-" + deployed_model;
  u.workspace_id = "llm-aaaaaaaaaaaaaaaa";
  u.key_id = "key-000000000001";
  u.time = At(second);
  u.input_tokens = input_tokens;
  u.output_tokens = input_tokens * 2;
  u.http_status = 200;
  return u;
}

// The requests the stored rows stand for (a row may be several: MergeUsage).
int64_t Requests(const std::vector<UsageRecord>& rows) {
  int64_t n = 0;
  for (const UsageRecord& r : rows) n += r.requests;
  return n;
}

class UsageRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::vector<UsageRecord> Stored(const std::string& deployed_model) {
    auto got = store_->ListUsage(deployed_model, At(-1), At(1'000'000));
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::vector<UsageRecord>{};
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(UsageRecorderTest, FlushStoresEverythingRecordedFromManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  UsageRecorder recorder(*store_, clock_, Every(kNever, /*batch=*/64));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // A second of its own for each record: none merges with another.
        const int n = t * kPerThread + i;
        recorder.Record(Usage(fmt::format("m{}", t % 3), n, n));
      }
    });
  }
  for (auto& t : threads) t.join();
  recorder.Flush();
  EXPECT_EQ(recorder.written(), kThreads * kPerThread);
  EXPECT_EQ(recorder.queued(), 0);

  // Every record exactly once: the input token counts are 0 .. N-1.
  std::map<int64_t, int> seen;
  size_t total = 0;
  for (const char* m : {"m0", "m1", "m2"}) {
    for (const UsageRecord& r : Stored(m)) {
      ++seen[r.input_tokens];
      EXPECT_EQ(r.output_tokens, r.input_tokens * 2);
      EXPECT_EQ(r.deployment_uid, "uid-" + std::string(m));
      ++total;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kPerThread));
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(seen.begin()->first, 0);
  EXPECT_EQ(seen.rbegin()->first, kThreads * kPerThread - 1);
  for (auto& [tokens, n] : seen) ASSERT_EQ(n, 1) << tokens;
}

TEST_F(UsageRecorderTest, FlushWhileOtherThreadsRecord) {
  UsageRecorder recorder(*store_, clock_, Every(Millis(5), /*batch=*/16));
  // A bounded number of records per thread: the property holds for any speed of the store,
  // and a slow (sanitized) store never fills the recorder's queue to its drop limit.
  constexpr int kPerThread = 2000;
  std::atomic<int64_t> recorded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        recorder.Record(Usage("m1", 1, 1));
        ++recorded;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    int64_t before = recorded.load();
    recorder.Flush();
    EXPECT_GE(recorder.written(), before);  // what was recorded before Flush is stored
  }
  for (auto& t : threads) t.join();
  recorder.Flush();
  EXPECT_EQ(recorder.written(), recorded.load());
  EXPECT_EQ(Requests(Stored("m1")), recorded.load());
}

TEST_F(UsageRecorderTest, FlushWithNothingQueuedReturns) {
  UsageRecorder recorder(*store_, clock_, Every(kNever));
  auto done = std::async(std::launch::async, [&] { recorder.Flush(); });
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(recorder.written(), 0);
}

TEST_F(UsageRecorderTest, TheWriterFlushesOnItsOwnAfterTheInterval) {
  UsageRecorder recorder(*store_, clock_, Every(Millis(20), /*batch=*/1000));
  for (int i = 0; i < 10; ++i) recorder.Record(Usage("m1", i, i));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (recorder.written() < 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
  EXPECT_EQ(recorder.written(), 10);
  EXPECT_EQ(Stored("m1").size(), 10u);
}

TEST_F(UsageRecorderTest, AFullBatchIsWrittenWithoutWaitingForTheInterval) {
  UsageRecorder recorder(*store_, clock_, Every(kNever, /*batch=*/10));
  for (int i = 0; i < 10; ++i) recorder.Record(Usage("m1", i, i));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (recorder.written() < 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
  EXPECT_EQ(recorder.written(), 10);
}

TEST_F(UsageRecorderTest, StopWritesWhatIsQueued) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  {
    UsageRecorder recorder(*store_, clock_, Every(kNever, /*batch=*/100000));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) recorder.Record(Usage("m1", i, t * kPerThread + i));
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(recorder.written(), 0);  // nothing reached the batch size or the interval
    EXPECT_EQ(recorder.queued(), kThreads * kPerThread);
    recorder.Stop();
    EXPECT_EQ(recorder.written(), kThreads * kPerThread);
    EXPECT_EQ(recorder.queued(), 0);
    recorder.Stop();   // twice is harmless
    recorder.Flush();  // after Stop: returns at once
  }
  EXPECT_EQ(Requests(Stored("m1")), kThreads * kPerThread);
}

TEST_F(UsageRecorderTest, TheDestructorWritesWhatIsQueued) {
  {
    UsageRecorder recorder(*store_, clock_, Every(kNever));
    for (int i = 0; i < 37; ++i) recorder.Record(Usage("m1", i, i));
  }
  std::vector<UsageRecord> stored = Stored("m1");
  ASSERT_EQ(stored.size(), 37u);
  EXPECT_EQ(stored.front().time, At(0));  // oldest first
  EXPECT_EQ(stored.back().time, At(36));
}

TEST_F(UsageRecorderTest, StoresEveryField) {
  UsageRecord full = Usage("m1", 5, 9);
  full.thinking = true;
  full.ptu = true;
  full.overflow = true;
  full.http_status = 429;
  full.latency_ms = 321;
  full.streamed = true;
  full.aborted = true;
  {
    UsageRecorder recorder(*store_, clock_, Every(kNever));
    recorder.Record(full);
    recorder.Flush();
  }
  std::vector<UsageRecord> stored = Stored("m1");
  ASSERT_EQ(stored.size(), 1u);
  const UsageRecord& r = stored[0];
  EXPECT_EQ(r.key_id, full.key_id);
  EXPECT_EQ(r.workspace_id, full.workspace_id);
  EXPECT_EQ(r.time, full.time);
  EXPECT_EQ(r.input_tokens, 9);
  EXPECT_EQ(r.output_tokens, 18);
  EXPECT_TRUE(r.thinking);
  EXPECT_TRUE(r.ptu);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.http_status, 429);
  EXPECT_EQ(r.latency_ms, 321);
  EXPECT_TRUE(r.streamed);
  EXPECT_TRUE(r.aborted);
}

// Written records are filled again by later ones: each later record is stored as it was given,
// with nothing left over from the one whose storage it reuses (longer strings, other flags).
TEST_F(UsageRecorderTest, ARecycledRecordKeepsNothingOfTheOneBefore) {
  UsageRecorder recorder(*store_, clock_, Every(kNever));
  UsageRecord first = Usage("a-longer-deployed-model-name", 1, 100);
  first.deployment_uid = std::string(60, 'u');
  first.key_id = std::string(40, 'k');
  first.thinking = first.ptu = first.overflow = first.streamed = first.aborted = true;
  first.http_status = 503;
  first.latency_ms = 999;
  for (int i = 0; i < 3; ++i) recorder.Record(first);
  recorder.Flush();
  const UsageRecord second = Usage("m2", 2, 7);
  for (int i = 0; i < 3; ++i) recorder.Record(second);
  recorder.Flush();
  std::vector<UsageRecord> stored = Stored("m2");
  ASSERT_EQ(stored.size(), 1u);  // three alike: one row
  const UsageRecord& r = stored[0];
  EXPECT_EQ(r.requests, 3);
  EXPECT_EQ(r.deployed_model, "m2");
  EXPECT_EQ(r.deployment_uid, second.deployment_uid);
  EXPECT_EQ(r.workspace_id, second.workspace_id);
  EXPECT_EQ(r.key_id, second.key_id);
  EXPECT_EQ(r.time, second.time);
  EXPECT_EQ(r.input_tokens, 3 * 7);
  EXPECT_EQ(r.output_tokens, 3 * 14);
  EXPECT_FALSE(r.thinking || r.ptu || r.overflow || r.streamed || r.aborted);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.latency_ms, 0);
  EXPECT_EQ(Requests(Stored("a-longer-deployed-model-name")), 3);
}

// Records that differ only in their tokens and latency, in one millisecond, are stored as one
// row that counts and sums them; any other difference keeps a row apart.
TEST_F(UsageRecorderTest, RecordsAlikeInOneMillisecondAreStoredAsOneRow) {
  UsageRecorder recorder(*store_, clock_, Every(kNever));
  for (int i = 1; i <= 4; ++i) {
    UsageRecord r = Usage("m1", 5, i);
    r.latency_ms = 10 * i;
    r.time += std::chrono::microseconds(100 * i);  // the same millisecond
    recorder.Record(r);
  }
  UsageRecord failed = Usage("m1", 5, 1);
  failed.http_status = 429;
  recorder.Record(failed);
  recorder.Record(Usage("m1", 6, 1));
  recorder.Flush();
  EXPECT_EQ(recorder.written(), 6);
  EXPECT_EQ(recorder.rows_written(), 3);
  EXPECT_NE(recorder.RenderMetrics().find("berth_usage_rows_written_total 3\n"), std::string::npos);
  std::vector<UsageRecord> stored = Stored("m1");
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].requests, 4);
  EXPECT_EQ(stored[0].input_tokens, 1 + 2 + 3 + 4);
  EXPECT_EQ(stored[0].output_tokens, 2 * (1 + 2 + 3 + 4));
  EXPECT_EQ(stored[0].latency_ms, 10 + 20 + 30 + 40);
  EXPECT_EQ(stored[0].http_status, 200);
  EXPECT_EQ(stored[1].requests, 1);
  EXPECT_EQ(stored[1].http_status, 429);
  EXPECT_EQ(stored[2].requests, 1);
  EXPECT_EQ(stored[2].time, At(6));
}

// Flush() promises to return once what is queued is stored. When it is called while the writer
// is in the middle of a write (here: a full batch of 20000 records it was woken for), it must not
// have to wait for the writer's next interval.
TEST_F(UsageRecorderTest, FlushDuringAWriteReturnsPromptly) {
  constexpr int kBatch = 20000;
  UsageRecorder recorder(*store_, clock_, Every(kNever, kBatch));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kBatch; ++i) recorder.Record(Usage("m1", i, i));  // the last one wakes it
    std::this_thread::sleep_for(Millis(2));  // the writer has taken the batch and is writing
    auto flushed = std::async(std::launch::async, [&] { recorder.Flush(); });
    bool finished = flushed.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!finished) recorder.Stop();  // unblocks the stuck Flush
    ASSERT_TRUE(finished) << "round " << round
                          << ": Flush() waited for the writer's next interval (1 h)";
    EXPECT_EQ(recorder.written(), (round + 1) * kBatch);
  }
}

// --- a failing store: retries with backoff, a bounded backlog, counted drops ---

class FailingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::make_unique<FlakyUsageStore>(std::move(store).value());
  }

  // Writes only when told (Flush, Stop); backoff 250 ms, doubling up to 1 s.
  static UsageRecorderOptions Options(size_t max_pending = 1000) {
    UsageRecorderOptions options;
    options.flush_interval = kNever;
    options.batch = 100000;
    options.max_pending = max_pending;
    options.first_retry = Millis(250);
    options.max_retry = Millis(1000);
    return options;
  }

  static bool Shows(const UsageRecorder& recorder, const std::string& line) {
    return recorder.RenderMetrics().find(line + "\n") != std::string::npos;
  }

  size_t Stored(const std::string& deployed_model) {
    auto got = store_->ListUsage(deployed_model, At(-1), At(1'000'000));
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? got->size() : 0;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<FlakyUsageStore> store_;
};

TEST_F(FailingStoreTest, AFailedWriteIsRetriedWithBackoffUntilTheStoreRecovers) {
  UsageRecorder recorder(*store_, clock_, Options());
  store_->FailNextAppends(3);
  for (int i = 0; i < 3; ++i) recorder.Record(Usage("m1", i, i));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 1);
  EXPECT_EQ(recorder.written(), 0);
  EXPECT_EQ(recorder.queued(), 3);
  EXPECT_TRUE(Shows(recorder, "berth_usage_store_failing 1"));
  EXPECT_TRUE(Shows(recorder, "berth_usage_records_pending 3"));
  EXPECT_TRUE(Shows(recorder, "berth_usage_write_failures_total 1"));

  recorder.Flush();
  EXPECT_EQ(store_->appends(), 1) << "no retry before the backoff has passed";
  clock_.Advance(Millis(250));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 2);  // fails again; now 500 ms
  clock_.Advance(Millis(250));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 2);
  clock_.Advance(Millis(250));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 3);  // fails again; 1 s (the cap)
  clock_.Advance(Millis(999));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 3);
  clock_.Advance(Millis(1));
  recorder.Flush();
  EXPECT_EQ(store_->appends(), 4);  // the store has recovered

  EXPECT_EQ(recorder.written(), 3);
  EXPECT_EQ(recorder.queued(), 0);
  EXPECT_EQ(recorder.dropped(), 0);
  EXPECT_EQ(recorder.write_failures(), 3);
  EXPECT_TRUE(Shows(recorder, "berth_usage_store_failing 0"));
  EXPECT_TRUE(Shows(recorder, "berth_usage_records_written_total 3"));
  EXPECT_EQ(Stored("m1"), 3u);  // each once
}

TEST_F(FailingStoreTest, TheBacklogIsBoundedAndEveryDroppedRecordIsCounted) {
  UsageRecorder recorder(*store_, clock_, Options(/*max_pending=*/5));
  store_->FailNextAppends(1);
  for (int i = 0; i < 3; ++i) recorder.Record(Usage("m1", i, i));
  recorder.Flush();  // fails: 3 waiting
  for (int i = 3; i < 7; ++i) recorder.Record(Usage("m1", i, i));
  EXPECT_EQ(recorder.queued(), 5);
  EXPECT_EQ(recorder.dropped(), 2);
  EXPECT_TRUE(Shows(recorder, "berth_usage_records_dropped_total 2"));

  clock_.Advance(Millis(250));
  recorder.Flush();
  EXPECT_EQ(recorder.written(), 5);
  recorder.Record(Usage("m1", 7, 7));  // room again
  recorder.Flush();
  EXPECT_EQ(recorder.written(), 6);
  EXPECT_EQ(recorder.dropped(), 2);
  auto stored = store_->ListUsage("m1", At(-1), At(100));
  ASSERT_TRUE(stored.ok());
  std::vector<int64_t> inputs;
  for (const UsageRecord& r : *stored) inputs.push_back(r.input_tokens);
  EXPECT_EQ(inputs, (std::vector<int64_t>{0, 1, 2, 3, 4, 7}));  // the newest two were dropped
}

TEST_F(FailingStoreTest, StopRetriesWithoutWaitingForTheBackoff) {
  UsageRecorder recorder(*store_, clock_, Options());
  store_->FailNextAppends(2);
  for (int i = 0; i < 4; ++i) recorder.Record(Usage("m1", i, i));
  recorder.Flush();  // fails; the backoff would wait 250 ms of the clock
  recorder.Stop();   // fails once more, then stores
  EXPECT_EQ(recorder.written(), 4);
  EXPECT_EQ(recorder.dropped(), 0);
  EXPECT_EQ(Stored("m1"), 4u);
}

TEST_F(FailingStoreTest, StopCountsWhatItCouldNotStore) {
  UsageRecorder recorder(*store_, clock_, Options());
  store_->FailNextAppends(1000);
  for (int i = 0; i < 4; ++i) recorder.Record(Usage("m1", i, i));
  recorder.Stop();
  EXPECT_EQ(recorder.written(), 0);
  EXPECT_EQ(recorder.queued(), 0);
  EXPECT_EQ(recorder.dropped(), 4);
  EXPECT_TRUE(Shows(recorder, "berth_usage_records_dropped_total 4"));
  EXPECT_EQ(Stored("m1"), 0u);
}

}  // namespace
}  // namespace berth
