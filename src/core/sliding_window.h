// SlidingWindow: the use of a per-minute budget over the last 60 s, kept in 60 one-second slots.
// A plain value with no lock: the RateLimiter that owns it serializes calls.
//
// Times are milliseconds on one monotonic clock. An amount added at time t sits in the slot of
// second floor(t / 1000) and leaves the window when that second's start is 60 s old, i.e. at
// (floor(t / 1000) + 60) * 1000: exactly 60 s after t for t on a second boundary, up to 1 s
// sooner otherwise. Calls may pass a `now_ms` slightly older than an earlier call's (threads
// read the clock before taking the owner's lock); the window then uses the latest time seen.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace berth {

class SlidingWindow {
 public:
  static constexpr int kSlots = 60;
  static constexpr int64_t kSlotMs = 1000;
  static constexpr int64_t kWindowMs = kSlots * kSlotMs;

  // Adds `amount` (may be negative: a settled refund) to the slot of time `at_ms`; ignored when
  // that slot has left the window (`at_ms` 60 s or more before `now_ms`, or in a second whose
  // start is). A future `at_ms` counts in the current slot.
  void Add(int64_t at_ms, int64_t amount, int64_t now_ms);
  // The sum over the slots of (now - 60 s, now].
  int64_t Used(int64_t now_ms);
  // The earliest time >= now_ms at which Used() + amount <= limit if nothing more is added (the
  // time the oldest slots roll off); now_ms if it fits already. When it never fits (amount >
  // limit), the time the last slot in the window rolls off.
  int64_t WhenFits(int64_t amount, int64_t limit, int64_t now_ms);

 private:
  struct Slot {
    int64_t second = std::numeric_limits<int64_t>::min();
    int64_t amount = 0;
  };

  // Moves to the latest of now_ms and every earlier call's, taking the seconds that left the
  // window out of total_; returns the latest second.
  int64_t Advance(int64_t now_ms);
  // The slot holding `second`, or nullptr when it holds an older second (rolled off).
  const Slot* Live(int64_t second) const;

  std::array<Slot, kSlots> slots_;
  int64_t latest_ms_ = std::numeric_limits<int64_t>::min();
  // The sum of the slots in the window as of latest_ms_, kept as slots are added to and leave,
  // so Used() is O(1) (it summed 60 slots, twice per request on the gateway's path).
  int64_t total_ = 0;
};

}  // namespace berth
