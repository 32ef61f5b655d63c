#include "engine_sim/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace berth::engine_sim {
namespace {

using std::chrono::milliseconds;

// Records what a sequence's callbacks did, as "A0 A1 A." (tokens, then completion).
struct Log {
  std::mutex mu;
  std::string events;
  void Add(const std::string& event) {
    std::lock_guard lock(mu);
    if (!events.empty()) events += ' ';
    events += event;
  }
  std::string Take() {
    std::lock_guard lock(mu);
    return std::exchange(events, "");
  }
};

Sequence Streamed(Log& log, const std::string& name, int tokens) {
  Sequence sequence;
  sequence.num_tokens = tokens;
  sequence.on_token = [&log, name](int index) {
    log.Add(name + std::to_string(index));
    return true;
  };
  sequence.on_complete = [&log, name] { log.Add(name + "."); };
  return sequence;
}

Sequence Unary(Log& log, const std::string& name, int tokens) {
  Sequence sequence;
  sequence.num_tokens = tokens;
  sequence.on_complete = [&log, name] { log.Add(name + "."); };
  return sequence;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SteadyTime At(int ms) const { return t0_ + milliseconds(ms); }

  const SteadyTime t0_ = SteadyTime(std::chrono::hours(1));
  Log log_;
};

TEST_F(SchedulerTest, PacesTokensByTtftThenItl) {
  Scheduler scheduler({.max_num_seqs = 4, .ttft = milliseconds(100), .itl = milliseconds(10)});
  scheduler.Submit(Streamed(log_, "A", 3), At(0));
  EXPECT_EQ(scheduler.NextDue(), At(100));
  scheduler.RunDue(At(99));
  EXPECT_EQ(log_.Take(), "");
  scheduler.RunDue(At(100));
  EXPECT_EQ(log_.Take(), "A0");
  scheduler.RunDue(At(109));
  EXPECT_EQ(log_.Take(), "");
  scheduler.RunDue(At(125));  // late: the tokens due at 110 and 120 both come out
  EXPECT_EQ(log_.Take(), "A1 A2 A.");
  EXPECT_EQ(scheduler.running(), 0);
  EXPECT_EQ(scheduler.NextDue(), std::nullopt);
}

TEST_F(SchedulerTest, AnUnaryRequestCompletesAfterItsWholeGeneration) {
  Scheduler scheduler({.max_num_seqs = 4, .ttft = milliseconds(100), .itl = milliseconds(10)});
  scheduler.Submit(Unary(log_, "A", 5), At(0));
  scheduler.RunDue(At(139));
  EXPECT_EQ(log_.Take(), "");
  scheduler.RunDue(At(140));  // ttft + 4 * itl
  EXPECT_EQ(log_.Take(), "A.");
}

TEST_F(SchedulerTest, RequestsBeyondMaxNumSeqsWaitInFifoOrder) {
  Scheduler scheduler({.max_num_seqs = 1, .ttft = milliseconds(100), .itl = milliseconds(0)});
  scheduler.Submit(Unary(log_, "A", 1), At(0));
  scheduler.Submit(Unary(log_, "B", 1), At(1));
  scheduler.Submit(Unary(log_, "C", 1), At(2));
  EXPECT_EQ(scheduler.running(), 1);
  EXPECT_EQ(scheduler.waiting(), 2);
  scheduler.RunDue(At(100));
  EXPECT_EQ(log_.Take(), "A.");
  EXPECT_EQ(scheduler.waiting(), 1);
  scheduler.RunDue(At(199));  // B was admitted at 100
  EXPECT_EQ(log_.Take(), "");
  scheduler.RunDue(At(200));
  EXPECT_EQ(log_.Take(), "B.");
  scheduler.RunDue(At(300));
  EXPECT_EQ(log_.Take(), "C.");
  EXPECT_EQ(scheduler.running(), 0);
  EXPECT_EQ(scheduler.waiting(), 0);
}

TEST_F(SchedulerTest, RunningSequencesInterleave) {
  Scheduler scheduler({.max_num_seqs = 2, .ttft = milliseconds(10), .itl = milliseconds(10)});
  scheduler.Submit(Streamed(log_, "A", 2), At(0));
  scheduler.Submit(Streamed(log_, "B", 2), At(5));
  scheduler.RunDue(At(10));
  scheduler.RunDue(At(15));
  scheduler.RunDue(At(20));
  scheduler.RunDue(At(25));
  EXPECT_EQ(log_.Take(), "A0 B0 A1 A. B1 B.");
}

TEST_F(SchedulerTest, WithoutDelaysTheSubmitterRunsTheWholeSequence) {
  Scheduler scheduler({.max_num_seqs = 1});
  scheduler.Submit(Streamed(log_, "A", 3), At(0));
  EXPECT_EQ(log_.Take(), "A0 A1 A2 A.");
  scheduler.Submit(Unary(log_, "B", 50), At(0));
  EXPECT_EQ(log_.Take(), "B.");
  EXPECT_EQ(scheduler.running(), 0);
}

TEST_F(SchedulerTest, CancellingARunningSequenceAdmitsTheNext) {
  Scheduler scheduler({.max_num_seqs = 1, .ttft = milliseconds(10), .itl = milliseconds(10)});
  const uint64_t a = scheduler.Submit(Streamed(log_, "A", 5), At(0));
  scheduler.Submit(Streamed(log_, "B", 1), At(0));
  scheduler.RunDue(At(10));
  EXPECT_EQ(log_.Take(), "A0");
  scheduler.Cancel(a, At(12));
  EXPECT_EQ(scheduler.running(), 1);
  EXPECT_EQ(scheduler.waiting(), 0);
  scheduler.RunDue(At(100));
  EXPECT_EQ(log_.Take(), "B0 B.");  // A never runs again
  scheduler.Cancel(a, At(100));     // unknown ids are ignored
  EXPECT_EQ(scheduler.running(), 0);
}

TEST_F(SchedulerTest, CancellingAWaitingSequenceDropsIt) {
  Scheduler scheduler({.max_num_seqs = 1, .ttft = milliseconds(10), .itl = milliseconds(0)});
  scheduler.Submit(Unary(log_, "A", 1), At(0));
  const uint64_t b = scheduler.Submit(Unary(log_, "B", 1), At(0));
  scheduler.Submit(Unary(log_, "C", 1), At(0));
  scheduler.Cancel(b, At(1));
  EXPECT_EQ(scheduler.waiting(), 1);
  scheduler.RunDue(At(10));
  scheduler.RunDue(At(20));
  scheduler.RunDue(At(30));
  EXPECT_EQ(log_.Take(), "A. C.");
}

TEST_F(SchedulerTest, ATokenCallbackReturningFalseCancels) {
  Scheduler scheduler({.max_num_seqs = 1, .ttft = milliseconds(10), .itl = milliseconds(10)});
  Sequence gone = Streamed(log_, "A", 5);
  gone.on_token = [this](int index) {
    log_.Add("A" + std::to_string(index));
    return index < 1;  // the client leaves while token 1 is written
  };
  scheduler.Submit(std::move(gone), At(0));
  scheduler.Submit(Unary(log_, "B", 1), At(0));
  scheduler.RunDue(At(20));
  EXPECT_EQ(log_.Take(), "A0 A1");
  scheduler.RunDue(At(30));
  EXPECT_EQ(log_.Take(), "B.");
}

TEST_F(SchedulerTest, WakesTheTimerOnlyForAnEarlierFutureEvent) {
  int wakeups = 0;
  Scheduler scheduler({.max_num_seqs = 8, .ttft = milliseconds(100), .itl = milliseconds(10)},
                      [&wakeups] { ++wakeups; });
  scheduler.Submit(Unary(log_, "A", 1), At(0));  // due 100: earliest
  EXPECT_EQ(wakeups, 1);
  scheduler.Submit(Unary(log_, "B", 1), At(50));  // due 150: not earlier
  EXPECT_EQ(wakeups, 1);
  Scheduler instant({.max_num_seqs = 8}, [&wakeups] { ++wakeups; });
  instant.Submit(Unary(log_, "C", 3), At(0));  // run by the caller: no timer needed
  EXPECT_EQ(wakeups, 1);
}

TEST(SchedulerThreadTest, RunsEventsAtTheirTime) {
  SchedulerThread timer({.max_num_seqs = 4, .ttft = milliseconds(30), .itl = milliseconds(5)});
  std::atomic<bool> done{false};
  Sequence sequence;
  sequence.num_tokens = 3;
  sequence.on_token = [](int) { return true; };
  sequence.on_complete = [&done] { done = true; };
  const auto start = std::chrono::steady_clock::now();
  timer.scheduler().Submit(std::move(sequence), start);
  while (!done) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(40));
}

TEST(SchedulerThreadTest, ServesManyConcurrentStreamsInOrderOnOneThread) {
  constexpr int kStreams = 1000;
  constexpr int kTokens = 10;
  SchedulerThread timer({.max_num_seqs = 512, .ttft = milliseconds(2), .itl = milliseconds(1)});
  std::vector<int> next(kStreams, 0);  // each entry is touched by its own sequence only
  std::atomic<int> out_of_order{0};
  std::atomic<int> completed{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = t; i < kStreams; i += 4) {
        Sequence sequence;
        sequence.num_tokens = kTokens;
        sequence.on_token = [&, i](int index) {
          if (next[i]++ != index) ++out_of_order;
          return true;
        };
        sequence.on_complete = [&] { ++completed; };
        timer.scheduler().Submit(std::move(sequence), std::chrono::steady_clock::now());
      }
    });
  }
  for (std::thread& t : submitters) t.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (completed < kStreams && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(completed.load(), kStreams);
  EXPECT_EQ(out_of_order.load(), 0);
  EXPECT_EQ(timer.scheduler().running(), 0);
  EXPECT_EQ(timer.scheduler().waiting(), 0);
}

// The engine's shape (ttft 0: each request's first token runs on its own network thread, the rest
// on the timer): submitters racing each other's first tokens must not leave the timer asleep
// while later tokens wait. Before the scheduler tracked the time its timer was armed for, a
// submitter that ran another's first token compared its own next token with that one's, and
// neither woke the timer: every stream of a burst then stopped after its first token.
TEST(SchedulerThreadTest, BurstsOfInstantFirstTokensFromManyThreadsAllFinish) {
  constexpr int kThreads = 4;
  constexpr int kBursts = 200;
  constexpr int kPerBurst = 4;  // per thread
  SchedulerThread timer({.max_num_seqs = 1024, .ttft = milliseconds(0), .itl = milliseconds(1)});
  std::atomic<int> completed{0};
  for (int burst = 0; burst < kBursts; ++burst) {
    const int target = (burst + 1) * kThreads * kPerBurst;
    std::vector<std::thread> submitters;
    for (int t = 0; t < kThreads; ++t) {
      submitters.emplace_back([&] {
        for (int i = 0; i < kPerBurst; ++i) {
          Sequence sequence;
          sequence.num_tokens = 3;
          sequence.on_token = [](int) { return true; };
          sequence.on_complete = [&completed] { ++completed; };
          timer.scheduler().Submit(std::move(sequence), std::chrono::steady_clock::now());
        }
      });
    }
    for (std::thread& t : submitters) t.join();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (completed < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_EQ(completed.load(), target) << "burst " << burst << " stalled";
  }
  EXPECT_EQ(timer.scheduler().running(), 0);
}

}  // namespace
}  // namespace berth::engine_sim
