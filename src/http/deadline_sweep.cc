#include "http/deadline_sweep.h"

namespace berth::http_internal {
namespace {

thread_local DeadlineSweep* current_sweep = nullptr;

}  // namespace

DeadlineSweep* CurrentDeadlineSweep() { return current_sweep; }

void SetCurrentDeadlineSweep(DeadlineSweep* sweep) { current_sweep = sweep; }

void DeadlineSweep::Entry::Arm(std::chrono::milliseconds timeout) {
  deadline_ = Clock::now() + timeout;
  if (!linked_)
    sweep_.Link(this);  // linked_ changes only on this (the loop's) thread, or at the end
  sweep_.Tick();
}

void DeadlineSweep::Link(Entry* entry) {
  std::lock_guard lock(mu_);
  entry->linked_ = true;
  entry->prev_ = nullptr;
  entry->next_ = first_;
  if (first_ != nullptr) first_->prev_ = entry;
  first_ = entry;
}

void DeadlineSweep::Unlink(Entry* entry) {
  std::lock_guard lock(mu_);
  if (!entry->linked_) return;
  entry->linked_ = false;
  if (entry->prev_ != nullptr) {
    entry->prev_->next_ = entry->next_;
  } else {
    first_ = entry->next_;
  }
  if (entry->next_ != nullptr) entry->next_->prev_ = entry->prev_;
}

// Starts the timer unless it runs already.
void DeadlineSweep::Tick() {
  if (ticking_ || !timer_) return;
  ticking_ = true;
  timer_->expires_after(kSweepInterval);
  timer_->async_wait([this](error_code ec) { OnTick(ec); });
}

void DeadlineSweep::OnTick(error_code ec) {
  ticking_ = false;
  if (ec || !timer_) return;
  const Clock::time_point now = Clock::now();
  bool armed = false;
  {
    std::lock_guard lock(mu_);
    for (Entry* entry = first_; entry != nullptr; entry = entry->next_) {
      if (entry->deadline_ == Clock::time_point::max()) continue;
      if (entry->deadline_ > now) {
        armed = true;
        continue;
      }
      entry->Disarm();
      entry->on_expiry_();  // cancels the entry's socket: nothing here re-enters the sweep
    }
  }
  if (armed) Tick();
}

}  // namespace berth::http_internal
