// The replica plan: given the replicas a deployment has and how many it should have, which to
// start and which to stop. Pure function used by the reconciler.
#pragma once

#include <string>
#include <vector>

namespace berth {

struct ReplicaView {
  std::string replica_id;
  bool ready = false;
  bool failed = false;
};

struct ReplicaPlan {
  int to_start = 0;
  std::vector<std::string> to_stop;
};

// Stops failed replicas, then the surplus over `target` (starting ones before ready ones,
// newest first: `replicas` is oldest first), and starts replacements up to `target` only if
// `may_start`.
ReplicaPlan PlanReplicas(int target, bool may_start, const std::vector<ReplicaView>& replicas);

}  // namespace berth
