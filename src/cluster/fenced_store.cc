#include "cluster/fenced_store.h"

#include <optional>

namespace berth {
namespace {

Status NotLeader() {
  return FailedPrecondition("this instance does not hold the reconciler lease; write refused");
}

}  // namespace

Status FencedStore::UpdateDeployment(const Deployment& d,
                                     const std::vector<DeploymentEvent>& events) {
  std::optional<LeaseFence> fence = lease_.Fence();
  if (!fence) return NotLeader();
  return store_.UpdateDeployment(d, events, *fence);
}

Status FencedStore::DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                                     const DeploymentEvent& event) {
  std::optional<LeaseFence> fence = lease_.Fence();
  if (!fence) return NotLeader();
  return store_.DeleteDeployment(deployed_model, expected_version, event, *fence);
}

}  // namespace berth
