// ClusterMembership: what one `berth serve` on a shared PostgreSQL runs besides the single-
// instance wiring: the reconciler lease, the fenced store and runtime its reconciler acts
// through, the listener that triggers it on other instances' writes, and the leaser of the
// budgets of the limits the instances share. The composition root
// builds it before the reconciler, Start()s it once the server listens and Stop()s it after
// the reconciler; the accessors may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cluster/budget_leaser.h"
#include "cluster/budget_ledger.h"
#include "cluster/change_listener.h"
#include "cluster/fenced_runtime.h"
#include "cluster/fenced_store.h"
#include "cluster/leader_lease.h"
#include "cluster/shared_limits.h"
#include "core/cluster.h"

namespace berth {

using TriggerFn = std::function<void(const std::string& deployed_model)>;

class ClusterMembership {
 public:
  ClusterMembership(PostgresStore& store, RuntimeAdapter& runtime, const Clock& clock,
                    const std::string& runtime_name);
  ~ClusterMembership();

  Store& reconcile_store() { return fenced_store_; }
  RuntimeAdapter& reconcile_runtime() { return fenced_runtime_; }
  // What the reconciler publishes routes to: `routes`, with each deployment's limiter (found by
  // `limiters` once published) sharing its limits with the other instances through leased
  // budgets. Call once; owned by this membership.
  RoutePublisher* SharedRoutes(RoutePublisher& routes, LimiterLookup limiters);

  // Joins the cluster as `address` (refused with FailedPrecondition on a runtime
  // misconfiguration), takes or follows the lease, and starts listening for changes, each of
  // which (and, on a resync or on gaining the lease, every deployment) goes to `trigger`.
  Status Start(const std::string& address, TriggerFn trigger);
  void Stop();

  StatusOr<ClusterView> View() { return lease_.View(); }
  bool Leads() const { return lease_.IsLeader(); }
  std::string RenderMetrics() const { return lease_.RenderMetrics() + leaser_.RenderMetrics(); }

 private:
  void TriggerAll();

  PostgresStore& store_;
  LeaderLease lease_;
  FencedStore fenced_store_;
  FencedRuntime fenced_runtime_;
  BudgetLedger ledger_;
  BudgetLeaser leaser_;
  TriggerFn trigger_;
  std::unique_ptr<ChangeListener> listener_;
  std::unique_ptr<SharedLimitsPublisher> shared_routes_;
};

// The view of a berth that shares its store with nobody (SQLite): itself, leading.
ClusterView SingleInstanceView(const std::string& address, const std::string& runtime,
                               SystemTime started, SystemTime now);

}  // namespace berth
