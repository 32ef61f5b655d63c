// WorkQueue: a de-duplicating queue of keys (deployment ids) with delayed adds, in the manner
// of Kubernetes controllers. A key is handed to at most one worker at a time; a key added
// while it is being processed is handed out again after Done(). Delays run on the clock's
// monotonic time, so setting the wall clock never stalls or hurries a retry. Keys added for
// the background (the resync's sweep) are handed out only when no other key is ready, so a
// change never waits behind a sweep of every deployment. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"

namespace berth {

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock) : clock_(clock) {}

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // As AddAfter, but once due the key waits in the background lane (see above); a later Add of
  // the same key moves it to the front lane.
  void AddBackground(const std::string& key, std::chrono::milliseconds delay);
  // AddBackground of every key, the i-th of n after span * i / n, under one lock and with one
  // wake-up (a sweep of 100,000 keys must not wake the workers 100,000 times).
  void AddBackgroundSpread(const std::vector<std::string>& keys, std::chrono::milliseconds span);
  // Blocks until a key is ready; nullopt once ShutDown() was called.
  std::optional<std::string> Get();
  // Marks `key` processed; it is queued again if it was added meanwhile.
  void Done(const std::string& key);
  void ShutDown();

 private:
  void AddLocked(const std::string& key, bool background = false);
  struct Delayed {
    std::string key;
    bool background;
  };
  // Queues `delayed` for `due`, waking a worker only when the earliest due time changed.
  void AddDelayedLocked(SteadyTime due, Delayed delayed);
  void PromoteDueLocked(SteadyTime now);
  // The next key of the front lane, else of the background lane; nullopt if both are empty.
  std::optional<std::string> PopLocked();

  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;     // guarded by mu_
  std::set<std::string> dirty_;       // queued or to be re-queued; guarded by mu_
  std::set<std::string> processing_;  // guarded by mu_
  // keys waiting in the background lane; background_ may also hold stale entries (keys moved
  // to the front lane or handed out), skipped when popped; guarded by mu_
  std::deque<std::string> background_;
  std::set<std::string> in_background_;         // guarded by mu_
  std::multimap<SteadyTime, Delayed> delayed_;  // guarded by mu_
  bool timer_taken_ = false;    // an idle worker waits for delayed_'s earliest; guarded by mu_
  bool shutting_down_ = false;  // guarded by mu_
};

}  // namespace berth
