// RoutePublisher: where the reconciler tells the serving path what each deployment looks like
// after every pass (its limits, status and ready replicas), so the gateway's routing table is
// an in-memory snapshot that never reads the store. Called from reconcile worker threads;
// implementations must be thread-safe and quick.
#pragma once

#include <string>
#include <vector>

#include "core/deployment.h"
#include "runtime/runtime_adapter.h"

namespace berth {

class RoutePublisher {
 public:
  virtual ~RoutePublisher() = default;
  // The deployment as the pass is about to write it, and the replicas the runtime reports for
  // it.
  virtual void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) = 0;
  // The deployment is gone (deleted).
  virtual void Withdraw(const std::string& deployed_model) = 0;
};

}  // namespace berth
