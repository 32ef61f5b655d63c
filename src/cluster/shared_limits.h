// SharedLimitsPublisher: how rpm / tpm / ptu limits hold across instances today. Each instance
// enforces an equal share of a deployment's limits (the limit divided by the live instances,
// rounded down, at least 1) on its own traffic, so the sum admitted by all instances stays
// within the limit without the request path ever waiting on the database. It sits between the
// reconciler and the gateway's routing table: every route published passes through it with its
// limits divided. The share follows the instance count at once: a change of the count
// triggers a pass over every deployment (ClusterMembership). Called from reconcile worker threads;
// thread-safe. docs/operations.md has the worst case and what a budget-leasing design would add.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/deployment.h"
#include "reconcile/route_publisher.h"

namespace berth {

// `d` with its rpm, tpm and ptu tpm limits divided among `instances` (rounded down, at least
// 1 where the limit is at least 1; a limit of 0 stays 0). Pure.
Deployment ShareOfLimits(const Deployment& d, int instances);

class SharedLimitsPublisher final : public RoutePublisher {
 public:
  // `instances` returns the live instance count (at least 1).
  SharedLimitsPublisher(RoutePublisher& routes, std::function<int()> instances)
      : routes_(routes), instances_(std::move(instances)) {}

  void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) override {
    routes_.Publish(ShareOfLimits(d, instances_()), replicas);
  }
  void Withdraw(const std::string& deployed_model) override { routes_.Withdraw(deployed_model); }

 private:
  RoutePublisher& routes_;
  std::function<int()> instances_;
};

}  // namespace berth
