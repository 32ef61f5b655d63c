// GatewayRoutes: the gateway's routing table. An in-memory snapshot of every deployment the
// reconciler has published (its workspace, limits and ready replicas), read on every inference
// request without touching the store. Per-deployment serving state (the limiter, the output
// estimate, requests in flight per replica) lives as long as the deployment's incarnation and
// survives republishing. Thread-safe: Publish/Withdraw from reconcile workers, the rest from
// network threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/deployment.h"
#include "core/output_estimate.h"
#include "core/rate_limiter.h"
#include "reconcile/route_publisher.h"

namespace berth {

struct Endpoint {
  std::string replica_id;
  int port = 0;
  std::string model;  // the `model` to send this replica when not the deployed one (SGLang)
  std::string host;   // an IPv4 address (a pod's); empty: 127.0.0.1
};

// Mutable serving state of one deployment incarnation.
class RouteState {
 public:
  RateLimiter limiter;
  OutputEstimator outputs;

  // The ready endpoint with the fewest requests in flight (ties: the one picked longest ago),
  // skipping those in `tried` and those marked down; counts the request in flight. Null when
  // none is left.
  const Endpoint* Acquire(const std::vector<Endpoint>& endpoints,
                          const std::vector<std::string>& tried, int64_t now_ms);
  void Release(const std::string& replica_id);
  // The replica refused a connection: it gets no requests for `for_ms`.
  void MarkDown(const std::string& replica_id, int64_t now_ms, int64_t for_ms);
  int InFlight(const std::string& replica_id);

 private:
  std::mutex mu_;
  std::map<std::string, int> in_flight_;       // by replica id; guarded by mu_
  std::map<std::string, int64_t> down_until_;  // by replica id; guarded by mu_
  std::map<std::string, uint64_t> last_pick_;  // by replica id; guarded by mu_
  uint64_t picks_ = 0;                         // guarded by mu_
};

struct GatewayRoute {
  std::string deployed_model;
  std::string uid;
  std::string workspace_id;
  std::string model_name;
  Plan plan = Plan::kMu;
  DeploymentStatus status = DeploymentStatus::kPending;
  bool thinking_enabled = false;  // the deployment's enable_thinking
  SystemTime created;
  std::vector<Endpoint> endpoints;  // ready replicas, in the runtime's order
  std::shared_ptr<RouteState> state;
};

// The limits the gateway enforces for `d`: mu rpm/tpm, ptu purchased tpm and overflow.
RateLimits LimitsOf(const Deployment& d);

class GatewayRoutes : public RoutePublisher {
 public:
  void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) override;
  void Withdraw(const std::string& deployed_model) override;
  // Runs `hook` with the host (empty: 127.0.0.1) and port of each endpoint that leaves the
  // table (its replica is gone, not ready, or its deployment withdrawn), under the table's
  // lock, so it must not block; null clears it, after which it is not running and will not
  // run. Pods of the Kubernetes runtime share a port on different hosts: only the one leaving
  // is reported.
  void OnEndpointGone(std::function<void(const std::string& host, int port)> hook);

  // The route for a model name, or null.
  std::shared_ptr<const GatewayRoute> Find(const std::string& deployed_model) const;
  // Requests in flight to a replica, summed over the deployments whose routes listed it (a
  // lora pool replica serves several), also after it left the routes; 0 once no request
  // holds a route to it. The process runtime asks, to end a stopped replica's drain early.
  int InFlight(const std::string& replica_id) const;
  // Every route of a workspace, by name.
  std::vector<std::shared_ptr<const GatewayRoute>> List(const std::string& workspace_id) const;

 private:
  // Calls endpoint_gone_ for each endpoint of `before` not in `after` (null: none). Under mu_.
  void ReportGone(const GatewayRoute& before, const GatewayRoute* after);
  // Drops the expired route states recorded for these endpoints' replicas. Under mu_.
  void SweepExpired(const std::vector<Endpoint>& endpoints);
  // Sweeps the next few entries of replica_states_ after sweep_cursor_. Under mu_.
  void SweepSome();

  mutable std::shared_mutex mu_;
  // The route states that listed each replica, for as long as anything holds them.
  std::map<std::string, std::vector<std::weak_ptr<RouteState>>> replica_states_;  // guarded by mu_
  std::string sweep_cursor_;  // the last replica id SweepSome looked at; guarded by mu_

  std::map<std::string, std::shared_ptr<const GatewayRoute>> routes_;     // guarded by mu_
  std::function<void(const std::string& host, int port)> endpoint_gone_;  // guarded by mu_
};

}  // namespace berth
