// Scheduler: paces simulated generations the way an engine's batch scheduler would. At most
// max_num_seqs sequences run at once and the rest wait in FIFO order; a running sequence yields
// its first token `ttft` after admission and each next one `itl` after the previous.
//
// The Scheduler owns no thread: whoever calls Submit, Cancel or RunDue runs the callbacks that
// are due by then (never under the scheduler's lock), so with ttft = itl = 0 a request is served
// entirely on the thread that submitted it. SchedulerThread adds the one timer thread that runs
// future events at their time. Every method is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

namespace berth::engine_sim {

using SteadyTime = std::chrono::steady_clock::time_point;

struct SchedulerOptions {
  int max_num_seqs = 256;
  std::chrono::nanoseconds ttft{0};  // admission to first token
  std::chrono::nanoseconds itl{0};   // between tokens
};

struct Sequence {
  int num_tokens = 1;
  // Called for token 0, 1, ... in order, never concurrently for one sequence. Returning false
  // cancels the sequence (its client is gone). Optional: without it the sequence has a single
  // event, its completion, ttft + (num_tokens - 1) * itl after admission.
  std::function<bool(int index)> on_token;
  // Called once after the last token, unless the sequence was cancelled.
  std::function<void()> on_complete;
};

class Scheduler {
 public:
  // `wakeup` (optional) is called, outside the lock and on any thread, when an event is
  // scheduled in the future earlier than the time the timer was last armed for (ArmTimer), or
  // while it is not armed at all. Events already due are run by the caller, never the timer.
  explicit Scheduler(SchedulerOptions options, std::function<void()> wakeup = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Admits `sequence` at `now` if a slot is free, else queues it; then runs whatever is due at
  // `now`. Returns the id Cancel takes.
  uint64_t Submit(Sequence sequence, SteadyTime now);
  // Forgets a waiting or running sequence and frees its slot for the next waiting one. A
  // callback of it already running finishes; no further one starts. Unknown ids are ignored.
  void Cancel(uint64_t id, SteadyTime now);
  // Runs every event due at or before `now`, including those of sequences admitted meanwhile.
  void RunDue(SteadyTime now);
  // When the earliest pending event is due (it may belong to a cancelled sequence).
  std::optional<SteadyTime> NextDue() const;
  // For the timer thread, as it goes to sleep: NextDue(), remembered as the time the timer
  // wakes by itself. From then on `wakeup` is called for any future event due before it.
  std::optional<SteadyTime> ArmTimer();

  int running() const;
  int waiting() const;

 private:
  struct Seq;
  struct Event {
    SteadyTime due;
    uint64_t id;
    bool operator>(const Event& other) const {
      return due != other.due ? due > other.due : id > other.id;
    }
  };
  enum class StepResult { kMore, kDone, kCancelled };

  static StepResult Step(Seq& seq);
  std::shared_ptr<Seq> PopDue(SteadyTime now);
  void AfterStep(const std::shared_ptr<Seq>& seq, StepResult result, SteadyTime now);
  bool PushLocked(SteadyTime due, uint64_t id, SteadyTime now);
  bool AdmitLocked(SteadyTime now);
  std::chrono::nanoseconds FirstDelay(const Sequence& sequence) const;
  void Wake(bool needed) const;

  const SchedulerOptions options_;
  const std::function<void()> wakeup_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                                     // guarded by mu_
  std::unordered_map<uint64_t, std::shared_ptr<Seq>> seqs_;  // guarded by mu_; live ones
  std::deque<uint64_t> waiting_;                             // guarded by mu_; may hold dead ids
  int waiting_count_ = 0;                                    // guarded by mu_
  int running_ = 0;                                          // guarded by mu_
  // At most one event per running sequence; events of cancelled sequences are skipped.
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;  // guarded by mu_
  // When the timer wakes by itself (none: it sleeps until woken). Not the top of events_: an
  // event already due when pushed never arms the timer (its pusher runs it), so the top may be
  // one the timer does not wait for. Guarded by mu_.
  std::optional<SteadyTime> armed_;
};

// A Scheduler plus the timer thread that runs its events when they fall due (real time). The
// destructor stops the thread, then drops sequences still pending without calling them.
class SchedulerThread {
 public:
  explicit SchedulerThread(SchedulerOptions options);
  ~SchedulerThread();
  SchedulerThread(const SchedulerThread&) = delete;
  SchedulerThread& operator=(const SchedulerThread&) = delete;

  Scheduler& scheduler() { return scheduler_; }

 private:
  void Kick();
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  bool kicked_ = false;    // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  Scheduler scheduler_;    // after mu_ and cv_: its wakeup uses them
  std::thread thread_;
};

}  // namespace berth::engine_sim
