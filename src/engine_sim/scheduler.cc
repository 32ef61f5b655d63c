#include "engine_sim/scheduler.h"

#include <algorithm>
#include <utility>

#include "common/thread_name.h"

namespace berth::engine_sim {

struct Scheduler::Seq {
  Seq(uint64_t seq_id, Sequence seq) : id(seq_id), sequence(std::move(seq)) {}

  const uint64_t id;
  const Sequence sequence;
  bool admitted = false;  // guarded by the scheduler's mu_
  SteadyTime due;         // guarded by the scheduler's mu_
  // Touched only by the thread running the sequence's current event (one at a time: the next
  // event is pushed only after the current one returns).
  int next_token = 0;
};

Scheduler::Scheduler(SchedulerOptions options, std::function<void()> wakeup)
    : options_(options), wakeup_(std::move(wakeup)) {}

uint64_t Scheduler::Submit(Sequence sequence, SteadyTime now) {
  uint64_t id = 0;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    seqs_.emplace(id, std::make_shared<Seq>(id, std::move(sequence)));
    waiting_.push_back(id);
    ++waiting_count_;
    wake = AdmitLocked(now);
  }
  Wake(wake);
  RunDue(now);
  return id;
}

void Scheduler::Cancel(uint64_t id, SteadyTime now) {
  std::shared_ptr<Seq> dropped;  // its callbacks are destroyed outside the lock
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    auto it = seqs_.find(id);
    if (it == seqs_.end()) return;
    dropped = std::move(it->second);
    seqs_.erase(it);
    if (dropped->admitted) {
      --running_;
      wake = AdmitLocked(now);
    } else {
      --waiting_count_;
    }
  }
  Wake(wake);
  RunDue(now);
}

void Scheduler::RunDue(SteadyTime now) {
  while (std::shared_ptr<Seq> seq = PopDue(now)) {
    const StepResult result = Step(*seq);
    AfterStep(seq, result, now);
  }
}

std::optional<SteadyTime> Scheduler::NextDue() const {
  std::lock_guard lock(mu_);
  if (events_.empty()) return std::nullopt;
  return events_.top().due;
}

std::optional<SteadyTime> Scheduler::ArmTimer() {
  std::lock_guard lock(mu_);
  armed_ = events_.empty() ? std::nullopt : std::optional(events_.top().due);
  return armed_;
}

int Scheduler::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

int Scheduler::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_count_;
}

Scheduler::StepResult Scheduler::Step(Seq& seq) {
  const Sequence& sequence = seq.sequence;
  if (sequence.on_token && seq.next_token < sequence.num_tokens) {
    if (!sequence.on_token(seq.next_token)) return StepResult::kCancelled;
    if (++seq.next_token < sequence.num_tokens) return StepResult::kMore;
  }
  if (sequence.on_complete) sequence.on_complete();
  return StepResult::kDone;
}

std::shared_ptr<Scheduler::Seq> Scheduler::PopDue(SteadyTime now) {
  std::lock_guard lock(mu_);
  while (!events_.empty() && events_.top().due <= now) {
    const uint64_t id = events_.top().id;
    events_.pop();
    auto it = seqs_.find(id);
    if (it != seqs_.end()) return it->second;
  }
  return nullptr;
}

void Scheduler::AfterStep(const std::shared_ptr<Seq>& seq, StepResult result, SteadyTime now) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    auto it = seqs_.find(seq->id);
    if (it == seqs_.end()) return;  // cancelled during the callback; Cancel freed the slot
    if (result == StepResult::kMore) {
      // Paced from the previous token's due time, so a late wake-up does not stretch the stream.
      seq->due += options_.itl;
      wake = PushLocked(seq->due, seq->id, now);
    } else {
      seqs_.erase(it);
      --running_;
      wake = AdmitLocked(now);
    }
  }
  Wake(wake);
}

bool Scheduler::PushLocked(SteadyTime due, uint64_t id, SteadyTime now) {
  events_.push({due, id});
  // Events already due are run by the caller's RunDue (with this same `now`); only future ones
  // need the timer, and only when it would wake later than they fall due.
  if (due <= now || (armed_ && *armed_ <= due)) return false;
  armed_ = due;  // the woken timer re-arms for this or an earlier event
  return true;
}

bool Scheduler::AdmitLocked(SteadyTime now) {
  bool wake = false;
  while (running_ < options_.max_num_seqs && !waiting_.empty()) {
    const uint64_t id = waiting_.front();
    waiting_.pop_front();
    auto it = seqs_.find(id);
    if (it == seqs_.end()) continue;  // cancelled while waiting
    Seq& seq = *it->second;
    seq.admitted = true;
    --waiting_count_;
    ++running_;
    seq.due = now + FirstDelay(seq.sequence);
    wake = PushLocked(seq.due, id, now) || wake;
  }
  return wake;
}

std::chrono::nanoseconds Scheduler::FirstDelay(const Sequence& sequence) const {
  if (sequence.on_token) return options_.ttft;
  return options_.ttft + options_.itl * std::max(0, sequence.num_tokens - 1);
}

void Scheduler::Wake(bool needed) const {
  if (needed && wakeup_) wakeup_();
}

SchedulerThread::SchedulerThread(SchedulerOptions options)
    : scheduler_(options, [this] { Kick(); }), thread_([this] {
        NameThisThread("sim-scheduler");
        Loop();
      }) {}

SchedulerThread::~SchedulerThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void SchedulerThread::Kick() {
  {
    std::lock_guard lock(mu_);
    kicked_ = true;
  }
  cv_.notify_one();
}

void SchedulerThread::Loop() {
  std::unique_lock lock(mu_);
  const auto woken = [this] { return stopping_ || kicked_; };
  while (!stopping_) {
    // Armed under mu_: a Kick() for an earlier event cannot slip in before the wait begins.
    const std::optional<SteadyTime> next = scheduler_.ArmTimer();
    if (!next) {
      cv_.wait(lock, woken);
    } else if (*next > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, *next, woken);
    }
    kicked_ = false;
    if (stopping_) break;
    lock.unlock();
    scheduler_.RunDue(std::chrono::steady_clock::now());
    lock.lock();
  }
}

}  // namespace berth::engine_sim
