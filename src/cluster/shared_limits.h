// SharedLimitsPublisher: how rpm / tpm / ptu limits hold across instances. It sits between the
// reconciler and the gateway's routing table: every route passes through unchanged (each
// instance enforces the whole limit in its own windows), and the deployment's limiter is handed
// to the BudgetLeaser, so an admitted request must also fit this instance's part of the limit,
// leased in blocks from the store (core/leased_budget.h). Traffic skewed to one instance gets
// the whole limit; the request path never waits on the database. Called from reconcile worker
// threads; thread-safe. docs/operations.md has the design and its worst case.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/budget_leaser.h"
#include "core/deployment.h"
#include "core/rate_limiter.h"
#include "reconcile/route_publisher.h"

namespace berth {

// The limiter the routing table keeps for a published deployment (null when it has none).
using LimiterLookup =
    std::function<std::shared_ptr<RateLimiter>(const std::string& deployed_model)>;

// Whether `d` has a limit the instances must share (rpm, tpm or a PTU throughput).
bool HasSharedLimits(const Deployment& d);

class SharedLimitsPublisher final : public RoutePublisher {
 public:
  SharedLimitsPublisher(RoutePublisher& routes, LimiterLookup limiters, BudgetLeaser& leaser)
      : routes_(routes), limiters_(std::move(limiters)), leaser_(leaser) {}

  void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) override;
  void Withdraw(const std::string& deployed_model) override;

 private:
  RoutePublisher& routes_;
  LimiterLookup limiters_;
  BudgetLeaser& leaser_;
};

}  // namespace berth
