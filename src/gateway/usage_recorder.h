// UsageRecorder: the gateway's metering sink. Record() queues one usage record (cheap, any
// thread); a writer thread appends queued records to the store in batches, off the request
// path. Stop() (and the destructor) writes everything still queued, so a clean shutdown loses
// nothing; a failed write is retried on the next round.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/records.h"
#include "store/store.h"

namespace berth {

class UsageRecorder {
 public:
  UsageRecorder(Store& store, Millis flush_interval = Millis(200), size_t batch = 512);
  ~UsageRecorder();

  void Record(UsageRecord record);
  // Writes what is queued now and returns once it is stored (or the write failed).
  void Flush();
  void Stop();

  int64_t written() const;  // records stored so far
  int64_t queued() const;   // records waiting

 private:
  void WriterLoop();
  // Takes the queue and writes it; the records go back to the front on failure.
  void WriteBatch(std::unique_lock<std::mutex>& lock);

  Store& store_;
  const Millis flush_interval_;
  const size_t batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable flushed_;  // signals Flush() callers
  std::vector<UsageRecord> queue_;   // guarded by mu_
  int64_t written_ = 0;              // guarded by mu_
  uint64_t rounds_ = 0;              // completed write rounds; guarded by mu_
  uint64_t flush_until_ = 0;         // Flush() callers wait for this round; guarded by mu_
  bool writing_ = false;             // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::thread writer_;
};

}  // namespace berth
