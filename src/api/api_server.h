// ApiServer: turns HTTP requests into route handler calls: request ids, routing, auth, body
// rules, the success envelope, errors through the one Status mapping, and metrics. Handle()
// is the HttpHandler; it runs routing and auth on the calling (network) thread and the route
// handler on its worker pool, so blocking store calls never hold a network thread. The pool's
// queue is bounded: when it is full a request is answered 503 at once, with Retry-After.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/api_metrics.h"
#include "api/cluster_routes.h"
#include "api/route_table.h"
#include "common/thread_pool.h"
#include "http/http_types.h"
#include "service/admin_service.h"
#include "service/auth_service.h"
#include "service/billing_service.h"
#include "service/deployment_service.h"
#include "service/model_registry.h"

namespace berth {

// The services the routes call; the API layer never reaches the store itself.
struct ApiDeps {
  AuthService* auth = nullptr;
  ModelRegistry* models = nullptr;
  DeploymentService* deployments = nullptr;
  BillingService* billing = nullptr;
  AdminService* admin = nullptr;
  std::string region;
  // Extra Prometheus text appended to /metrics (e.g. the store's commit counters); optional.
  std::function<std::string()> extra_metrics;
  // The clock the billing and usage routes read "now" from; null: the real clock.
  const Clock* clock = nullptr;
  // GET /api/v1/admin/cluster (the instances sharing the store); empty: 503.
  ClusterViewFn cluster = nullptr;
  // Stores the usage this instance has metered but not yet written; the usage and billing
  // routes call it before they read, so their answer counts every request this instance
  // had metered (the gateway writes usage in batches, every 200 ms). Optional.
  UsageFlushFn flush_usage = nullptr;
};

// Requests that may wait for a worker by default (`berth serve --api-queue`).
inline constexpr size_t kDefaultApiQueue = 256;

class ApiServer {
 public:
  // `max_queued`: requests that may wait for one of the `worker_threads` (at least 1).
  ApiServer(ApiDeps deps, int worker_threads, size_t max_queued = kDefaultApiQueue);

  void Handle(HttpRequest request, HttpResponder respond);
  // The response for a request the HTTP layer rejected itself (too large, too slow, malformed).
  HttpResponse Rejected(const Status& status) const;
  // Every route as {method, pattern}, in registration order (the OpenAPI test compares them).
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Prepared;
  StatusOr<Prepared> Prepare(const HttpRequest& request) const;
  void AddSystemRoutes();
  HttpResponse Run(const Route& route, ApiCall& call) const;

  ApiDeps deps_;
  RealClock real_clock_;
  RouteTable table_;
  ApiMetrics metrics_;
  std::unique_ptr<ThreadPool> pool_;  // last: destroyed (drained) first
};

}  // namespace berth
