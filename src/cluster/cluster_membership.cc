#include "cluster/cluster_membership.h"

#include <unistd.h>

#include <utility>

#include "common/log.h"
#include "common/random.h"

namespace berth {
namespace {

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

}  // namespace

ClusterMembership::ClusterMembership(PostgresStore& store, RuntimeAdapter& runtime,
                                     const Clock& clock, const std::string& runtime_name)
    : store_(store),
      lease_(store.pool(), clock,
             LeaseOptions{HostName() + "-" + std::to_string(::getpid()) + "-" + RandomHex(4),
                          HostName(), runtime_name}),
      fenced_store_(store, lease_),
      fenced_runtime_(runtime, lease_),
      ledger_(store.pool()),
      leaser_(ledger_, clock) {}

ClusterMembership::~ClusterMembership() { Stop(); }

Status ClusterMembership::Start(const std::string& address, TriggerFn trigger) {
  trigger_ = std::move(trigger);
  RETURN_IF_ERROR(lease_.Join(address));
  // On gaining the lease, act on everything (and when instances come or go, so routes and
  // views follow at once).
  lease_.Start([this] { TriggerAll(); }, [this] { TriggerAll(); });
  leaser_.Start();
  listener_ = std::make_unique<ChangeListener>(
      ChangeListenerOptions{store_.conninfo(), trigger_, [this] { TriggerAll(); }, Millis(5000)});
  listener_->Start();
  return Status::Ok();
}

RoutePublisher* ClusterMembership::SharedRoutes(RoutePublisher& routes, LimiterLookup limiters) {
  shared_routes_ = std::make_unique<SharedLimitsPublisher>(routes, std::move(limiters), leaser_);
  return shared_routes_.get();
}

void ClusterMembership::Stop() {
  if (listener_) listener_->Stop();
  leaser_.Stop();  // hands every grant back: the other instances may use it at once
  lease_.Stop();
}

void ClusterMembership::TriggerAll() {
  StatusOr<std::vector<Deployment>> all = store_.ListAllDeployments();
  if (!all.ok()) {
    LOG_WARN("cluster resync: {}", all.status().ToString());
    return;
  }
  for (const Deployment& d : *all) trigger_(d.deployed_model);
}

ClusterView SingleInstanceView(const std::string& address, const std::string& runtime,
                               SystemTime started, SystemTime now) {
  ClusterView view;
  view.self = HostName() + "-" + std::to_string(::getpid());
  view.store = "sqlite";
  view.leader = view.self;
  view.leader_since = started;
  view.instances.push_back({view.self, address, HostName(), runtime, started, now, true});
  return view;
}

}  // namespace berth
