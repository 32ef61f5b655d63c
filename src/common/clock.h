// Clock: the one way code reads time, so tests can advance a FakeClock instead of sleeping.
// Wall time (Now) is for what people read: record timestamps, billing hours, event times.
// Monotonic time (MonotonicNow) is for everything measured: deadlines, backoff, grace periods,
// timeouts and latencies; it never steps when the wall clock is set. Both implementations are
// safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace berth {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: record timestamps and calendar arithmetic only.
  virtual SystemTime Now() const = 0;
  // Monotonic time: every deadline, backoff, grace period, timeout and latency.
  virtual SteadyTime MonotonicNow() const = 0;
};

class RealClock : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  SteadyTime MonotonicNow() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told. Advance moves both times; SetWallTime steps the wall
// clock alone, as an operator or NTP would, so tests can check that nothing measured follows it.
class FakeClock : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime(std::chrono::seconds(1750000000)))
      : now_(start) {}
  SystemTime Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  SteadyTime MonotonicNow() const override {
    std::lock_guard lock(mu_);
    return monotonic_;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    now_ += std::chrono::duration_cast<SystemTime::duration>(d);
    monotonic_ += std::chrono::duration_cast<SteadyTime::duration>(d);
  }
  void SetWallTime(SystemTime t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_;                                      // guarded by mu_
  SteadyTime monotonic_{std::chrono::hours(24 * 365)};  // guarded by mu_
};

// Milliseconds since the Unix epoch: the form timestamps take in records and the store.
inline int64_t ToUnixMillis(SystemTime t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline SystemTime FromUnixMillis(int64_t ms) { return SystemTime(Millis(ms)); }
// Milliseconds on the monotonic clock: the form limiter and health-state timestamps take.
inline int64_t SteadyMillis(SteadyTime t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

}  // namespace berth
