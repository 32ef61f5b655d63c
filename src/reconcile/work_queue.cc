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
  delayed_.emplace(clock_.MonotonicNow() + delay, Delayed{key, false});
  cv_.notify_one();  // a waiter may need to wake earlier than it planned
}

void WorkQueue::AddBackground(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) return AddLocked(key, true);
  delayed_.emplace(clock_.MonotonicNow() + delay, Delayed{key, true});
  cv_.notify_one();
}

void WorkQueue::AddBackgroundSpread(const std::vector<std::string>& keys,
                                    std::chrono::milliseconds span) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || keys.empty()) return;
  const SteadyTime now = clock_.MonotonicNow();
  const auto n = static_cast<int64_t>(keys.size());
  for (int64_t i = 0; i < n; ++i) {
    delayed_.emplace(now + std::chrono::milliseconds(span.count() * i / n),
                     Delayed{keys[static_cast<size_t>(i)], true});
  }
  cv_.notify_one();
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
      return key;
    }
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // Sleep for what is left on the clock, then look at it again: a fake clock may have
      // moved meanwhile, or not at all.
      cv_.wait_for(lock, delayed_.begin()->first - clock_.MonotonicNow());
    }
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
