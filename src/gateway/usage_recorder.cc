#include "gateway/usage_recorder.h"

#include <algorithm>

#include "common/log.h"

namespace berth {

UsageRecorder::UsageRecorder(Store& store, Millis flush_interval, size_t batch)
    : store_(store), flush_interval_(flush_interval), batch_(batch) {
  writer_ = std::thread([this] { WriterLoop(); });
}

UsageRecorder::~UsageRecorder() { Stop(); }

void UsageRecorder::Record(UsageRecord record) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(record));
  if (queue_.size() >= batch_) cv_.notify_one();
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

int64_t UsageRecorder::queued() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

void UsageRecorder::WriterLoop() {
  std::unique_lock lock(mu_);
  bool failed = false;  // the last write failed: a full queue waits the interval to retry
  for (;;) {
    // The predicate, not the notification, says why to write now: a notification sent while
    // this thread was writing (or not yet waiting) would be lost.
    cv_.wait_for(lock, flush_interval_, [&] {
      return stopping_ || rounds_ < flush_until_ || (!failed && queue_.size() >= batch_);
    });
    int64_t written_before = written_;
    bool had_records = !queue_.empty();
    WriteBatch(lock);
    failed = had_records && written_ == written_before;
    if (stopping_) {
      for (int tries = 0; !queue_.empty() && tries < 3; ++tries) WriteBatch(lock);
      if (!queue_.empty()) LOG_ERROR("usage: {} records could not be stored", queue_.size());
      flushed_.notify_all();
      return;
    }
  }
}

void UsageRecorder::WriteBatch(std::unique_lock<std::mutex>& lock) {
  std::vector<UsageRecord> batch;
  batch.swap(queue_);
  writing_ = true;
  lock.unlock();
  Status stored = batch.empty() ? Status::Ok() : store_.AppendUsage(batch);
  lock.lock();
  writing_ = false;
  if (stored.ok()) {
    written_ += static_cast<int64_t>(batch.size());
  } else {
    LOG_WARN("usage: storing {} records failed, will retry: {}", batch.size(), stored.ToString());
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
  }
  ++rounds_;
  flushed_.notify_all();
}

}  // namespace berth
