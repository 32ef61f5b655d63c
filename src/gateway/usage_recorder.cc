#include "gateway/usage_recorder.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"
#include "gateway/usage_merge.h"

namespace berth {

UsageRecorder::UsageRecorder(Store& store, const Clock& clock, UsageRecorderOptions options)
    : store_(store), clock_(clock), options_(options) {
  writer_ = std::thread([this] {
    NameThisThread("berth-usage");
    WriterLoop();
  });
}

UsageRecorder::~UsageRecorder() { Stop(); }

void UsageRecorder::Record(const UsageRecord& record) {
  std::lock_guard lock(mu_);
  if (queue_.size() + in_write_ >= options_.max_pending) {
    // Loud, but once per episode here (a network thread); the writer reports the running count.
    if (dropped_++ == dropped_logged_) {
      LOG_ERROR(
          "usage: {} usage records are waiting for the store (the limit); new records are "
          "DROPPED until it takes records again (last error: {})",
          queue_.size() + in_write_, last_failure_.ToString());
    }
    return;
  }
  if (spare_.empty()) {
    queue_.push_back(record);
  } else {
    queue_.push_back(std::move(spare_.back()));
    spare_.pop_back();
    queue_.back() = record;  // into the strings' capacity
  }
  if (queue_.size() >= options_.batch) cv_.notify_one();
}

void UsageRecorder::Flush() {
  std::unique_lock lock(mu_);
  uint64_t target = rounds_ + (writing_ ? 2 : 1);  // a round that began earlier may miss ours
  flush_until_ = std::max(flush_until_, target);
  cv_.notify_one();
  flushed_.wait(lock, [&] { return rounds_ >= target || stopping_; });
}

void UsageRecorder::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  writer_.join();
}

int64_t UsageRecorder::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

int64_t UsageRecorder::rows_written() const {
  std::lock_guard lock(mu_);
  return rows_written_;
}

int64_t UsageRecorder::queued() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(queue_.size() + in_write_);
}

int64_t UsageRecorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

int64_t UsageRecorder::write_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::string UsageRecorder::RenderMetrics() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, int64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  metric("berth_usage_records_written_total", "counter", "Usage records stored.", written_);
  metric("berth_usage_rows_written_total", "counter",
         "Rows the stored usage records took (records that share their millisecond, deployment, "
         "key, status and flags take one).",
         rows_written_);
  metric("berth_usage_records_pending", "gauge",
         "Usage records waiting to be stored (the in-memory backlog).",
         static_cast<int64_t>(queue_.size() + in_write_));
  metric("berth_usage_write_failures_total", "counter",
         "Failed attempts to store a batch of usage records (retried with backoff).", failures_);
  metric("berth_usage_records_dropped_total", "counter",
         "Usage records lost: the backlog was full, or the store still failed at shutdown.",
         dropped_);
  metric("berth_usage_store_failing", "gauge",
         "1 while the last attempt to store usage records failed (a full disk, say), else 0.",
         failing_ ? 1 : 0);
  return out;
}

bool UsageRecorder::BackingOff() const { return failing_ && clock_.MonotonicNow() < retry_at_; }

void UsageRecorder::WriterLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // The predicate, not the notification, says why to write now: a notification sent while
    // this thread was writing (or not yet waiting) would be lost. A failing store is not woken
    // by a full batch: it waits for its backoff, checked once per interval.
    cv_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || rounds_ < flush_until_ || (!failing_ && queue_.size() >= options_.batch);
    });
    if (stopping_) break;
    if (!BackingOff()) WriteBatch(lock);
    ++rounds_;
    flushed_.notify_all();
  }
  Drain(lock);
}

void UsageRecorder::WriteBatch(std::unique_lock<std::mutex>& lock) {
  if (queue_.empty()) return;
  std::vector<UsageRecord>& batch = batch_;
  batch.clear();
  batch.swap(queue_);  // the queue goes on in the last batch's storage
  writing_ = true;
  in_write_ = batch.size();
  lock.unlock();
  MergeUsage(batch, rows_);
  Status stored = store_.AppendUsage(rows_);
  lock.lock();
  writing_ = false;
  in_write_ = 0;
  if (!stored.ok()) {
    OnWriteFailed(stored, batch.size());
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    batch.clear();
    return;
  }
  // Kept for Record() to fill again: as many as a few batches (a round at a low rate writes
  // what 200 ms brought, which can be more than a batch), not a whole backlog's worth.
  const size_t limit = 4 * options_.batch;
  const size_t keep = std::min(batch.size(), limit - std::min(limit, spare_.size()));
  spare_.insert(spare_.end(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.begin() + static_cast<ptrdiff_t>(keep)));
  written_ += static_cast<int64_t>(batch.size());
  rows_written_ += static_cast<int64_t>(rows_.size());
  batch.clear();
  if (failing_) {
    LOG_WARN(
        "usage: the store takes usage records again ({} failed attempts in all, {} records "
        "dropped in all)",
        failures_, dropped_);
  }
  failing_ = false;
  retry_delay_ = Millis(0);
  dropped_logged_ = dropped_;
}

void UsageRecorder::OnWriteFailed(const Status& status, size_t records) {
  ++failures_;
  retry_delay_ = failing_ ? std::min(retry_delay_ * 2, options_.max_retry) : options_.first_retry;
  retry_at_ = clock_.MonotonicNow() + retry_delay_;
  LOG_ERROR(
      "usage: storing {} usage records failed: {}; they are kept in memory ({} waiting, "
      "limit {}) and retried in {} ms",
      records, status.ToString(), queue_.size() + records, options_.max_pending,
      retry_delay_.count());
  if (dropped_ > dropped_logged_) {
    LOG_ERROR("usage: {} usage records DROPPED so far: the backlog is full", dropped_);
    dropped_logged_ = dropped_;
  }
  failing_ = true;
  last_failure_ = status;
}

void UsageRecorder::Drain(std::unique_lock<std::mutex>& lock) {
  // Shutdown does not wait for a backoff: a few immediate tries, then an honest account.
  for (int tries = 0; !queue_.empty() && tries < 3; ++tries) WriteBatch(lock);
  if (!queue_.empty()) {
    LOG_ERROR("usage: {} usage records could not be stored before shutdown and are LOST: {}",
              queue_.size(), last_failure_.ToString());
    dropped_ += static_cast<int64_t>(queue_.size());
    queue_.clear();
  }
  if (dropped_ > 0) LOG_ERROR("usage: {} usage records were dropped in all", dropped_);
  ++rounds_;
  flushed_.notify_all();
}

}  // namespace berth
