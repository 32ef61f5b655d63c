#include "core/sliding_window.h"

#include <algorithm>
#include <limits>

namespace berth {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

size_t SlotIndex(int64_t second) {
  return static_cast<size_t>(((second % SlidingWindow::kSlots) + SlidingWindow::kSlots) %
                             SlidingWindow::kSlots);
}

}  // namespace

int64_t SlidingWindow::Advance(int64_t now_ms) {
  if (now_ms <= latest_ms_) return FloorDiv(latest_ms_, kSlotMs);
  const bool first = latest_ms_ == std::numeric_limits<int64_t>::min();
  const int64_t was_s = first ? 0 : FloorDiv(latest_ms_, kSlotMs);
  latest_ms_ = now_ms;
  const int64_t now_s = FloorDiv(latest_ms_, kSlotMs);
  if (first || now_s == was_s) return now_s;
  // The seconds that left the window since the last call leave the running total.
  if (now_s - was_s >= kSlots) {
    total_ = 0;
  } else {
    for (int64_t s = was_s - kSlots + 1; s <= now_s - kSlots; ++s) {
      if (const Slot* slot = Live(s)) total_ -= slot->amount;
    }
  }
  return now_s;
}

const SlidingWindow::Slot* SlidingWindow::Live(int64_t second) const {
  const Slot& slot = slots_[SlotIndex(second)];
  return slot.second == second ? &slot : nullptr;
}

void SlidingWindow::Add(int64_t at_ms, int64_t amount, int64_t now_ms) {
  const int64_t now_s = Advance(now_ms);
  const int64_t at_s = std::min(FloorDiv(at_ms, kSlotMs), now_s);
  if (at_s <= now_s - kSlots) return;
  // Seconds only grow, so a slot holding another second holds an older, rolled-off one, which
  // Advance already took out of the running total.
  Slot& slot = slots_[SlotIndex(at_s)];
  if (slot.second != at_s) slot = Slot{at_s, 0};
  slot.amount += amount;
  total_ += amount;
}

int64_t SlidingWindow::Used(int64_t now_ms) {
  Advance(now_ms);
  return total_;
}

int64_t SlidingWindow::WhenFits(int64_t amount, int64_t limit, int64_t now_ms) {
  const int64_t now_s = Advance(now_ms);
  int64_t used = Used(now_ms);
  if (used + amount <= limit) return now_ms;
  // Roll the slots off oldest first: second s leaves the window at (s + 60) * 1000.
  int64_t last_roll_off = now_ms;
  for (int64_t s = now_s - kSlots + 1; s <= now_s; ++s) {
    const Slot* slot = Live(s);
    if (!slot) continue;
    used -= slot->amount;
    last_roll_off = (s + kSlots) * kSlotMs;
    if (used + amount <= limit) return last_roll_off;
  }
  return last_roll_off;
}

}  // namespace berth
