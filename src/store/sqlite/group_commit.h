// GroupCommitWriter: the one thread that writes to the database. Any thread hands it a write and
// blocks until the transaction holding that write is durable. Writes queued while a transaction
// commits all join the next one, so N concurrent writers pay for one fsync, not N.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

class GroupCommitWriter {
 public:
  // A write runs on the writer thread inside its own SAVEPOINT; a non-OK return rolls back
  // only that write.
  using Write = std::function<Status(Connection&)>;

  explicit GroupCommitWriter(std::unique_ptr<Connection> connection);
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;
  // Applies every write already queued, then joins the thread.
  ~GroupCommitWriter();

  // Queues `write` and waits until its batch has committed. Returns the write's own status, or
  // the transaction's error if BEGIN or COMMIT failed. Thread-safe; never call it from inside a
  // write (that would wait on itself).
  Status Run(Write write);

  // Transactions committed and writes applied so far; their ratio shows the batching.
  int64_t commits() const { return commits_.load(); }
  int64_t writes() const { return writes_.load(); }

 private:
  struct Pending {
    Write write;
    std::promise<Status> done;
  };
  using Batch = std::vector<std::unique_ptr<Pending>>;

  void Loop();
  void ApplyBatch(Batch& batch);
  // Runs batch[first..] in one transaction until it commits or sqlite abandons it; fills
  // `results` for the writes it settled and returns the index of the first unsettled write.
  size_t ApplyTransaction(Batch& batch, size_t first, std::vector<Status>& results);
  Status ApplyOne(Pending& pending);

  std::unique_ptr<Connection> connection_;  // used only by thread_
  std::mutex mu_;
  std::condition_variable wake_;
  Batch queue_;            // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> writes_{0};
  std::thread thread_;  // last, so it starts after the members it uses exist
};

}  // namespace berth::sqlite
