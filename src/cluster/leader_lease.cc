#include "cluster/leader_lease.h"

#include <algorithm>
#include <utility>

#include "cluster/db_clock.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "store/postgres/pg_pool.h"

namespace berth {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;
using pg::TxMode;

}  // namespace

LeaderLease::LeaderLease(pg::Pool& pool, const Clock& clock, LeaseOptions options)
    : pool_(pool), clock_(clock), options_(std::move(options)) {}

LeaderLease::~LeaderLease() { Stop(); }

Status LeaderLease::Join(const std::string& address) {
  address_ = address;
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    // One joiner at a time, so two instances starting together see each other.
    RETURN_IF_ERROR(db.ExecScript("LOCK TABLE cluster_instances IN EXCLUSIVE MODE"));
    ASSIGN_OR_RETURN(
        Result live,
        db.Exec(WithDbNow("SELECT instance_id, hostname, runtime FROM cluster_instances"
                          " WHERE heartbeat > NOW_MS - $1 AND instance_id <> $2"),
                Params().Int(3 * options_.ttl.count()).Text(options_.instance_id)));
    for (int i = 0; i < live.rows(); ++i) {
      std::string other = live.Text(i, 0);
      if (live.Text(i, 2) != options_.runtime) {
        return FailedPrecondition("instance " + other + " runs the " + live.Text(i, 2) +
                                  " runtime; every instance sharing a store must run the same "
                                  "runtime (this one: " +
                                  options_.runtime + ")");
      }
      if (options_.runtime == "process" && live.Text(i, 1) == options_.hostname) {
        return FailedPrecondition("instance " + other + " already runs the process runtime on " +
                                  options_.hostname +
                                  "; the process runtime allows one instance per machine");
      }
    }
    return db
        .Exec(WithDbNow("INSERT INTO cluster_instances (instance_id, address, hostname, runtime,"
                        " started, heartbeat) VALUES ($1, $2, $3, $4, NOW_MS, NOW_MS)"),
              Params()
                  .Text(options_.instance_id)
                  .Text(address_)
                  .Text(options_.hostname)
                  .Text(options_.runtime))
        .status();
  });
}

void LeaderLease::Start(std::function<void()> on_gain, std::function<void()> on_instances) {
  on_gain_ = std::move(on_gain);
  on_instances_ = std::move(on_instances);
  Tick();  // lead at once when nobody does, before the API opens for writes
  thread_ = std::thread([this] {
    NameThisThread("berth-lease");
    Loop();
  });
}

void LeaderLease::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::optional<LeaseFence> fence = Fence();
  // Best effort: if the database is down the lease simply lapses.
  (void)pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    if (fence) {
      RETURN_IF_ERROR(
          db.Exec(
                "UPDATE cluster_lease SET expires = 0 WHERE name = $1 AND holder = $2"
                " AND term = $3",
                Params().Text(PostgresStore::kReconcilerLease).Text(fence->holder).Int(fence->term))
              .status());
    }
    return db
        .Exec("DELETE FROM cluster_instances WHERE instance_id = $1",
              Params().Text(options_.instance_id))
        .status();
  });
  std::lock_guard lock(mu_);
  term_ = 0;
}

void LeaderLease::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void LeaderLease::Tick() {
  SteadyTime attempt = clock_.MonotonicNow();
  const int instances_before = LiveInstances();
  StatusOr<std::optional<int64_t>> held = AcquireOrRenew();
  Status heartbeat = Heartbeat();
  if (!heartbeat.ok()) LOG_WARN("cluster heartbeat: {}", heartbeat.ToString());
  bool gained = false;
  {
    std::lock_guard lock(mu_);
    if (!held.ok()) {
      // Unknown: keep what we had; IsLeader() turns false when valid_until_ passes.
      LOG_WARN("cluster lease: {}", held.status().ToString());
    } else if (held->has_value()) {
      gained = term_ != **held;
      term_ = **held;
      valid_until_ = attempt + options_.ttl - options_.margin;
      if (gained) ++takeovers_;
    } else {
      if (term_ != 0) LOG_WARN("cluster lease: lost term {}", term_);
      term_ = 0;
    }
  }
  if (gained) {
    LOG_INFO("cluster lease: instance {} leads (term {})", options_.instance_id, term_);
    if (on_gain_) on_gain_();
  }
  if (LiveInstances() != instances_before && on_instances_) on_instances_();
}

StatusOr<std::optional<int64_t>> LeaderLease::AcquireOrRenew() {
  std::optional<int64_t> held;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    // Renewal keeps the term; a takeover of a lapsed lease (or a first lease) bumps it.
    ASSIGN_OR_RETURN(
        Result row,
        db.Exec(
            WithDbNow("INSERT INTO cluster_lease AS l (name, holder, term, acquired, expires)"
                      " VALUES ($1, $2, 1, NOW_MS, NOW_MS + $3)"
                      " ON CONFLICT (name) DO UPDATE SET"
                      "   term = CASE WHEN l.holder = $2 AND l.expires > NOW_MS THEN l.term"
                      "          ELSE l.term + 1 END,"
                      "   acquired = CASE WHEN l.holder = $2 AND l.expires > NOW_MS THEN l.acquired"
                      "          ELSE NOW_MS END,"
                      "   holder = $2, expires = NOW_MS + $3"
                      " WHERE l.expires <= NOW_MS OR l.holder = $2"
                      " RETURNING term"),
            Params()
                .Text(PostgresStore::kReconcilerLease)
                .Text(options_.instance_id)
                .Int(options_.ttl.count())));
    if (row.rows() > 0) held = row.Int(0, 0);
    ASSIGN_OR_RETURN(Result lease, db.Exec("SELECT holder, term, acquired FROM cluster_lease"
                                           " WHERE name = $1",
                                           Params().Text(PostgresStore::kReconcilerLease)));
    ASSIGN_OR_RETURN(Result live, db.Exec(WithDbNow("SELECT COUNT(*) FROM cluster_instances"
                                                    " WHERE heartbeat > NOW_MS - $1"),
                                          Params().Int(3 * options_.ttl.count())));
    std::lock_guard lock(mu_);
    if (lease.rows() > 0) {
      seen_leader_ = lease.Text(0, 0);
      seen_term_ = lease.Int(0, 1);
      seen_since_ms_ = lease.Int(0, 2);
    }
    live_instances_ = std::max<int>(1, static_cast<int>(live.Int(0, 0)));
    return Status::Ok();
  }));
  return held;
}

Status LeaderLease::Heartbeat() {
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    return db
        .Exec(WithDbNow("INSERT INTO cluster_instances (instance_id, address, hostname, runtime,"
                        " started, heartbeat) VALUES ($1, $2, $3, $4, NOW_MS, NOW_MS)"
                        " ON CONFLICT (instance_id) DO UPDATE SET heartbeat = NOW_MS"),
              Params()
                  .Text(options_.instance_id)
                  .Text(address_)
                  .Text(options_.hostname)
                  .Text(options_.runtime))
        .status();
  });
}

bool LeaderLease::IsLeader() const {
  std::lock_guard lock(mu_);
  return term_ != 0 && clock_.MonotonicNow() < valid_until_;
}

std::optional<LeaseFence> LeaderLease::Fence() const {
  std::lock_guard lock(mu_);
  if (term_ == 0 || clock_.MonotonicNow() >= valid_until_) return std::nullopt;
  return LeaseFence{options_.instance_id, term_};
}

StatusOr<ClusterView> LeaderLease::View() {
  ClusterView view;
  view.self = options_.instance_id;
  view.store = "postgresql";
  RETURN_IF_ERROR(pool_.Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result lease,
                     db.Exec(WithDbNow("SELECT holder, term, acquired, expires > NOW_MS"
                                       " FROM cluster_lease WHERE name = $1"),
                             Params().Text(PostgresStore::kReconcilerLease)));
    if (lease.rows() > 0) {
      view.term = lease.Int(0, 1);
      if (lease.Bool(0, 3)) {
        view.leader = lease.Text(0, 0);
        view.leader_since = FromUnixMillis(lease.Int(0, 2));
      }
    }
    ASSIGN_OR_RETURN(
        Result rows,
        db.Exec(WithDbNow("SELECT instance_id, address, hostname, runtime, started, heartbeat"
                          " FROM cluster_instances WHERE heartbeat > NOW_MS - $1"
                          " ORDER BY started, instance_id"),
                Params().Int(3 * options_.ttl.count())));
    for (int i = 0; i < rows.rows(); ++i) {
      ClusterInstance instance{rows.Text(i, 0),
                               rows.Text(i, 1),
                               rows.Text(i, 2),
                               rows.Text(i, 3),
                               FromUnixMillis(rows.Int(i, 4)),
                               FromUnixMillis(rows.Int(i, 5)),
                               rows.Text(i, 0) == view.leader};
      view.instances.push_back(std::move(instance));
    }
    return Status::Ok();
  }));
  return view;
}

int LeaderLease::LiveInstances() const {
  std::lock_guard lock(mu_);
  return live_instances_;
}

std::string LeaderLease::RenderMetrics() const {
  bool leader = IsLeader();
  std::lock_guard lock(mu_);
  return "# HELP berth_cluster_leader 1 while this instance holds the reconciler lease.\n"
         "# TYPE berth_cluster_leader gauge\n"
         "berth_cluster_leader{instance=\"" +
         options_.instance_id + "\",leader=\"" + seen_leader_ + "\"} " + (leader ? "1" : "0") +
         "\n# HELP berth_cluster_lease_term The reconciler lease's term (+1 per takeover).\n"
         "# TYPE berth_cluster_lease_term gauge\n"
         "berth_cluster_lease_term " +
         std::to_string(seen_term_) +
         "\n# HELP berth_cluster_leader_since_seconds When the current leader took the lease.\n"
         "# TYPE berth_cluster_leader_since_seconds gauge\n"
         "berth_cluster_leader_since_seconds " +
         std::to_string(seen_since_ms_ / 1000) +
         "\n# HELP berth_cluster_takeovers_total Times this instance became leader.\n"
         "# TYPE berth_cluster_takeovers_total counter\n"
         "berth_cluster_takeovers_total " +
         std::to_string(takeovers_) +
         "\n# HELP berth_cluster_instances Live instances sharing the store (and its limits' "
         "budgets).\n"
         "# TYPE berth_cluster_instances gauge\n"
         "berth_cluster_instances " +
         std::to_string(live_instances_) + "\n";
}

}  // namespace berth
