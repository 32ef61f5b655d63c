// ThreadPool: a fixed set of threads running submitted closures in FIFO order, for blocking
// work (SQL, process management) that must stay off network threads. Submit and TrySubmit from
// any thread; the destructor runs what is queued, then joins. With a queue bound, TrySubmit
// refuses work instead of queueing it without limit (the caller sheds load).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace berth {

class ThreadPool {
 public:
  // `name`: the threads' name (NameThisThread). `max_queued`: how many tasks may wait for a
  // thread (0: no bound, for internal work whose amount the caller bounds itself).
  ThreadPool(std::string_view name, int threads, size_t max_queued = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task` regardless of the bound.
  void Submit(std::function<void()> task);
  // Queues `task` unless `max_queued` tasks are already waiting; returns whether it did.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);
  // Tasks waiting for a thread.
  size_t queued();

 private:
  void Run();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace berth
