// UsageRecorder: the gateway's metering sink. Record() queues one usage record (cheap, any
// thread); a writer thread appends queued records to the store in batches, off the request path,
// records that differ only in their tokens and latency merged into one row (MergeUsage).
//
// A failed write keeps its records and is retried with exponential backoff (on the Clock's
// monotonic time) while records wait in a bounded in-memory backlog. A record is dropped only when
// that backlog is full (or the store still fails at shutdown), and every drop is counted and
// logged as an error; failures, the backlog and drops are exported by RenderMetrics() for
// /metrics, and a failing store (a full disk included) is logged with its status. Stop() (and the
// destructor) writes what it can and logs what it could not. All methods: any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/records.h"
#include "store/store.h"

namespace berth {

// Readers of the ledger call Flush() first, so they never see it late. Rarer, larger writes
// (1 s or 2,048 records) did not clearly take time off the gateway's c=1 p99 (docs/performance.md,
// ninth round), and would lose more on a crash.
struct UsageRecorderOptions {
  Millis flush_interval{200};   // queued records are written at least this often
  size_t batch = 512;           // this many queued records are written at once
  size_t max_pending = 200000;  // the backlog's bound (~100 MB); beyond it records are dropped
  Millis first_retry{250};      // the wait after a failed write, doubling after each failure
  Millis max_retry{30000};      // up to this
};

class UsageRecorder {
 public:
  UsageRecorder(Store& store, const Clock& clock, UsageRecorderOptions options = {});
  ~UsageRecorder();

  // Copies `record` into the queue. Written records are recycled, strings and all, so once the
  // recorder has written a round's worth a record costs the caller no allocation, and the writer
  // thread frees none of the network threads' memory (that emptied their allocation caches).
  void Record(const UsageRecord& record);
  // Runs a write round now and returns once it is over: what is queued is stored (or the write
  // failed). While a failed write's backoff runs (on the clock) the round tries nothing.
  void Flush();
  void Stop();

  int64_t written() const;         // records stored so far
  int64_t rows_written() const;    // the rows they were stored as (MergeUsage)
  int64_t queued() const;          // records waiting, a batch being written included
  int64_t dropped() const;         // records lost (backlog full, or unstored at shutdown)
  int64_t write_failures() const;  // failed attempts to store a batch
  // The berth_usage_* lines of /metrics.
  std::string RenderMetrics() const;

 private:
  void WriterLoop();
  bool BackingOff() const;  // requires mu_
  // Takes the queue and writes it; the records go back to the front on failure.
  void WriteBatch(std::unique_lock<std::mutex>& lock);
  void OnWriteFailed(const Status& status, size_t records);  // requires mu_
  // At shutdown: a few last tries, then what is left is counted as dropped and logged.
  void Drain(std::unique_lock<std::mutex>& lock);

  Store& store_;
  const Clock& clock_;
  const UsageRecorderOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable flushed_;  // signals Flush() callers
  std::vector<UsageRecord> queue_;   // guarded by mu_
  std::vector<UsageRecord> spare_;   // written records, reused by Record(); guarded by mu_
  std::vector<UsageRecord> batch_;   // the write under way, then the next queue; writer thread
  std::vector<UsageRecord> rows_;    // batch_ merged (MergeUsage), as stored; writer thread
  size_t in_write_ = 0;              // records of the write under way; guarded by mu_
  int64_t written_ = 0;              // guarded by mu_
  int64_t rows_written_ = 0;         // guarded by mu_
  int64_t dropped_ = 0;              // guarded by mu_
  int64_t dropped_logged_ = 0;       // drops already reported in the log; guarded by mu_
  int64_t failures_ = 0;             // guarded by mu_
  Status last_failure_;              // guarded by mu_
  bool failing_ = false;             // the last write failed; guarded by mu_
  Millis retry_delay_{0};            // guarded by mu_
  SteadyTime retry_at_;              // guarded by mu_
  uint64_t rounds_ = 0;              // completed write rounds; guarded by mu_
  uint64_t flush_until_ = 0;         // Flush() callers wait for this round; guarded by mu_
  bool writing_ = false;             // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::thread writer_;
};

}  // namespace berth
