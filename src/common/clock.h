// Clock: the one way code reads time, so tests can advance a FakeClock instead of sleeping.
// Both implementations are safe to call from any thread.
#pragma once

#include <chrono>
#include <mutex>

namespace berth {

using SystemTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, used for record timestamps and for scheduling.
  virtual SystemTime Now() const = 0;
};

class RealClock : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime(std::chrono::seconds(1750000000)))
      : now_(start) {}
  SystemTime Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    now_ += std::chrono::duration_cast<SystemTime::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_;  // guarded by mu_
};

// Milliseconds since the Unix epoch: the form timestamps take in records and the store.
inline int64_t ToUnixMillis(SystemTime t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline SystemTime FromUnixMillis(int64_t ms) { return SystemTime(Millis(ms)); }

}  // namespace berth
