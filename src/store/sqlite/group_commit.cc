#include "store/sqlite/group_commit.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/thread_name.h"

namespace berth::sqlite {
namespace {

// Bounds the latency one batch adds to its first write and the size of one transaction.
constexpr size_t kMaxBatch = 512;
constexpr int kWriterNice = 10;

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)), thread_([this] {
        NameThisThread("berth-db-writer");
        Loop();
      }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Status GroupCommitWriter::Run(Write write) {
  auto pending = std::make_unique<Pending>();
  pending->write = std::move(write);
  // The writer owns the promise from here on, so the caller's stack may unwind as soon as the
  // future is ready.
  std::future<Status> done = pending->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the store is closing");
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return done.get();
}

void GroupCommitWriter::Loop() {
  // Writes wait for fsync anyway (milliseconds): on a small machine the writer must not take
  // the CPU from the threads serving requests in microseconds (the gateway's loops), so it runs
  // at a lower priority. Best effort; Linux applies nice per thread.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kWriterNice);
  while (true) {
    Batch batch;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been applied
      size_t take = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(take)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(take));
    }
    ApplyBatch(batch);
  }
}

void GroupCommitWriter::ApplyBatch(Batch& batch) {
  std::vector<Status> results(batch.size());
  size_t next = 0;
  while (next < batch.size()) next = ApplyTransaction(batch, next, results);
  writes_ += static_cast<int64_t>(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
}

size_t GroupCommitWriter::ApplyTransaction(Batch& batch, size_t first,
                                           std::vector<Status>& results) {
  Connection& db = *connection_;
  Status begin = db.Run("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (size_t i = first; i < batch.size(); ++i) results[i] = begin;
    return batch.size();
  }
  for (size_t i = first; i < batch.size(); ++i) {
    results[i] = ApplyOne(*batch[i]);
    if (db.InTransaction()) continue;
    // sqlite rolled the whole transaction back (I/O error, disk full): the writes before this
    // one are lost too. They share its error; the rest go into a fresh transaction.
    Status lost = results[i];
    for (size_t j = first; j < i; ++j) {
      if (results[j].ok()) results[j] = lost;
    }
    return i + 1;
  }
  Status commit = db.Run("COMMIT");
  if (commit.ok()) {
    ++commits_;
    return batch.size();
  }
  if (db.InTransaction()) (void)db.Exec("ROLLBACK");
  // A write that failed on its own keeps its own, more precise, error.
  for (size_t i = first; i < batch.size(); ++i) {
    if (results[i].ok()) results[i] = commit;
  }
  return batch.size();
}

Status GroupCommitWriter::ApplyOne(Pending& pending) {
  Connection& db = *connection_;
  RETURN_IF_ERROR(db.Run("SAVEPOINT write"));
  Status status = pending.write(db);
  if (!db.InTransaction()) {
    return status.ok() ? Internal("transaction ended inside a write") : status;
  }
  if (!status.ok()) {
    Status rollback = db.Exec("ROLLBACK TO write");
    if (!rollback.ok()) {
      // Without the rollback this write's changes would commit with the batch; abandon it all.
      (void)db.Exec("ROLLBACK");
      return rollback;
    }
  }
  Status release = db.Run("RELEASE write");
  if (!release.ok()) {
    (void)db.Exec("ROLLBACK");
    return release;
  }
  return status;
}

}  // namespace berth::sqlite
