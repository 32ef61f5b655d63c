#include "reconcile/work_queue.h"

namespace berth {

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key, bool background) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) {
    // Already queued: a front-lane add of a key waiting in the background moves it forward.
    if (!background && in_background_.erase(key) && !processing_.count(key)) {
      queue_.push_back(key);
      cv_.notify_one();
    }
    return;
  }
  if (processing_.count(key)) return;  // Done() queues it again
  if (background) {
    in_background_.insert(key);
    background_.push_back(key);
  } else {
    queue_.push_back(key);
  }
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return Add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  AddDelayedLocked(clock_.MonotonicNow() + delay, Delayed{key, false});
}

void WorkQueue::AddDelayedLocked(SteadyTime due, Delayed delayed) {
  const bool earliest = delayed_.empty() || due < delayed_.begin()->first;
  delayed_.emplace(due, std::move(delayed));
  if (!earliest) return;  // the worker waiting on the clock wakes in time already
  // No worker waits on the clock (wake one to), or the one waiting must wake earlier than it
  // planned: which of the waiters it is is not known, so all look again (rare: a later due time
  // than the earliest, the common case of a poll, wakes nobody).
  if (timer_taken_) {
    cv_.notify_all();
  } else {
    cv_.notify_one();
  }
}

void WorkQueue::AddBackground(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) return AddLocked(key, true);
  AddDelayedLocked(clock_.MonotonicNow() + delay, Delayed{key, true});
}

void WorkQueue::AddBackgroundSpread(const std::vector<std::string>& keys,
                                    std::chrono::milliseconds span) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || keys.empty()) return;
  const SteadyTime now = clock_.MonotonicNow();
  const auto n = static_cast<int64_t>(keys.size());
  for (int64_t i = 0; i < n; ++i) {
    AddDelayedLocked(now + std::chrono::milliseconds(span.count() * i / n),
                     Delayed{keys[static_cast<size_t>(i)], true});
  }
}

void WorkQueue::PromoteDueLocked(SteadyTime now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    Delayed due = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    AddLocked(due.key, due.background);
  }
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (!queue_.empty()) {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    return key;
  }
  while (!background_.empty()) {
    std::string key = std::move(background_.front());
    background_.pop_front();
    if (in_background_.erase(key)) return key;  // else stale: moved forward meanwhile
  }
  return std::nullopt;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteDueLocked(clock_.MonotonicNow());
    if (std::optional<std::string> key = PopLocked()) {
      dirty_.erase(*key);
      processing_.insert(*key);
      // Another idle worker takes over the clock (this one was perhaps the one watching it).
      if (!delayed_.empty() && !timer_taken_) cv_.notify_one();
      return key;
    }
    if (delayed_.empty() || timer_taken_) {
      cv_.wait(lock);
      continue;
    }
    // One idle worker at a time waits for the earliest due time; the others wait to be woken.
    // Timed waits by all of them woke every idle worker at each due time (16 wake-ups for one
    // key, every few milliseconds while a sweep or many polls are spread over time).
    // Sleep for what is left on the clock, then look at it again: a fake clock may have moved
    // meanwhile, or not at all.
    timer_taken_ = true;
    cv_.wait_for(lock, delayed_.begin()->first - clock_.MonotonicNow());
    timer_taken_ = false;
  }
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

}  // namespace berth
