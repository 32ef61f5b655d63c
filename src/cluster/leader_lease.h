// LeaderLease: which of the berth instances sharing one PostgreSQL reconciles. The lease is a
// row in the database with a holder, a term (+1 at every change of holder) and an expiry in
// the database's clock; the holder renews it every tick while it can reach the database, and
// any instance takes it over once it has lapsed. Each instance also keeps a heartbeat row, so
// GET /api/v1/admin/cluster can list the live instances.
//
// Fencing: Fence() gives (holder, term) for PostgresStore's fenced writes, which commit only
// while that term still holds the lease; IsLeader() is the local check made before runtime
// actions, true only until the last successful renewal's start + ttl - margin on the
// monotonic clock, so a paused or partitioned leader stops acting before another can take over.
//
// Join() once at start, then Start()/Stop() from the composition root; the other methods from
// any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "core/cluster.h"
#include "store/postgres/postgres_store.h"

namespace berth {
namespace pg {
class Pool;
}  // namespace pg

struct LeaseOptions {
  std::string instance_id;  // unique per process
  std::string hostname;
  std::string runtime;
  Millis ttl{3000};     // a holder that does not renew for this long loses the lease
  Millis tick{500};     // how often the lease is renewed or tried, and the heartbeat written
  Millis margin{1000};  // IsLeader() turns false this long before the lease could lapse
};

class LeaderLease {
 public:
  LeaderLease(pg::Pool& pool, const Clock& clock, LeaseOptions options);
  ~LeaderLease();

  // Records this instance, listening at `address` (its base URL, shown to operators).
  // FailedPrecondition if it cannot share the database with the live
  // instances: another runtime, or the process runtime with another instance on this host.
  Status Join(const std::string& address);
  // Starts the renewal thread; `on_gain` runs on it each time this instance becomes leader,
  // `on_instances` each time the number of live instances changes (both may be empty).
  void Start(std::function<void()> on_gain, std::function<void()> on_instances = {});
  // Stops renewing, gives the lease up (so another instance takes over at once) and leaves.
  void Stop();

  // Renews or takes the lease once and writes the heartbeat (the thread does this every
  // tick); tests call it to step an instance by hand.
  void RenewOnce() { Tick(); }

  bool IsLeader() const;
  std::optional<LeaseFence> Fence() const;  // nullopt unless IsLeader()
  // Instances with a heartbeat within 3 ttl, and the lease as stored. Unavailable if the
  // database cannot be read.
  StatusOr<ClusterView> View();
  // Live instances (heartbeat within 3 ttl) at the last tick; at least 1.
  int LiveInstances() const;
  // berth_cluster_* gauges for /metrics (from the last tick; no database access).
  std::string RenderMetrics() const;

 private:
  void Loop();
  void Tick();
  Status Heartbeat();
  // Renews (when leader) or tries to take the lease; returns the term held, or nullopt.
  StatusOr<std::optional<int64_t>> AcquireOrRenew();

  pg::Pool& pool_;
  const Clock& clock_;
  const LeaseOptions options_;
  std::string address_;  // set by Join, before the thread starts
  std::function<void()> on_gain_;
  std::function<void()> on_instances_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;      // guarded by mu_
  int64_t term_ = 0;           // term held, 0 if none; guarded by mu_
  SteadyTime valid_until_{};   // guarded by mu_
  std::string seen_leader_;    // leader at the last tick; guarded by mu_
  int64_t seen_term_ = 0;      // guarded by mu_
  int64_t seen_since_ms_ = 0;  // guarded by mu_
  int64_t takeovers_ = 0;      // times this instance gained the lease; guarded by mu_
  int live_instances_ = 1;     // at the last tick; guarded by mu_
};

}  // namespace berth
