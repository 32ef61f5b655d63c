// DeadlineSweep: the deadlines of one event loop's connections, checked by one coarse timer
// instead of a timer armed and cancelled around every socket operation (each of which queued a
// completion, and an aborted one when cancelled: several per request). A deadline fires at most
// kSweepInterval late, never early. Internal to src/http/.
//
// Threads: an Entry is armed, disarmed and fires on its loop's thread; it may be destroyed on any
// thread (the entry list has its own lock, taken when a connection starts and ends, not per
// request). StopTimer() runs after the loop's threads have ended, before the loop is destroyed.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "http/beast_asio.h"

namespace berth::http_internal {

inline constexpr std::chrono::milliseconds kSweepInterval{50};

class DeadlineSweep {
 public:
  using Clock = std::chrono::steady_clock;

  // One guarded object's deadline (a connection's), a member of that object.
  class Entry {
   public:
    // `on_expiry` runs on the loop when an armed deadline passes (then the entry is disarmed).
    Entry(DeadlineSweep& sweep, std::function<void()> on_expiry)
        : sweep_(sweep), on_expiry_(std::move(on_expiry)) {}
    ~Entry() { sweep_.Unlink(this); }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    void Arm(std::chrono::milliseconds timeout);
    void Disarm() { deadline_ = Clock::time_point::max(); }

   private:
    friend class DeadlineSweep;
    DeadlineSweep& sweep_;
    const std::function<void()> on_expiry_;
    Clock::time_point deadline_ = Clock::time_point::max();  // max: disarmed
    bool linked_ = false;                                    // guarded by sweep_.mu_
    Entry* prev_ = nullptr;                                  // guarded by sweep_.mu_
    Entry* next_ = nullptr;                                  // guarded by sweep_.mu_
  };

  explicit DeadlineSweep(asio::io_context& loop) : timer_(std::in_place, loop) {}
  DeadlineSweep(const DeadlineSweep&) = delete;
  DeadlineSweep& operator=(const DeadlineSweep&) = delete;

  // Destroys the timer; entries may still be destroyed afterwards (with the loop's handlers).
  void StopTimer() { timer_.reset(); }

 private:
  void Link(Entry* entry);
  void Unlink(Entry* entry);
  void Tick();
  void OnTick(error_code ec);

  std::optional<asio::steady_timer> timer_;
  bool ticking_ = false;  // on the loop
  std::mutex mu_;
  Entry* first_ = nullptr;  // guarded by mu_
};

// The sweep of the server loop the calling thread runs, or null (set by the server's threads),
// so the engine calls a server loop makes share its sweep.
DeadlineSweep* CurrentDeadlineSweep();
void SetCurrentDeadlineSweep(DeadlineSweep* sweep);

}  // namespace berth::http_internal
