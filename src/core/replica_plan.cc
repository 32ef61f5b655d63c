#include "core/replica_plan.h"

#include <algorithm>

namespace berth {

ReplicaPlan PlanReplicas(int target, bool may_start, const std::vector<ReplicaView>& replicas) {
  ReplicaPlan plan;
  std::vector<const ReplicaView*> ready, starting;
  for (const ReplicaView& r : replicas) {
    if (r.failed) {
      plan.to_stop.push_back(r.replica_id);
    } else {
      (r.ready ? ready : starting).push_back(&r);
    }
  }
  int live = static_cast<int>(ready.size() + starting.size());
  int surplus = std::max(0, live - target);
  // Give up replicas that are not serving yet first, then the newest ready ones.
  for (auto it = starting.rbegin(); it != starting.rend() && surplus > 0; ++it, --surplus) {
    plan.to_stop.push_back((*it)->replica_id);
  }
  for (auto it = ready.rbegin(); it != ready.rend() && surplus > 0; ++it, --surplus) {
    plan.to_stop.push_back((*it)->replica_id);
  }
  if (may_start) plan.to_start = std::max(0, target - live);
  return plan;
}

}  // namespace berth
