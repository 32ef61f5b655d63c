#include "cluster/shared_limits.h"

namespace berth {

bool HasSharedLimits(const Deployment& d) {
  return d.rpm_limit || d.tpm_limit || d.ptu_capacity.has_value();
}

void SharedLimitsPublisher::Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) {
  routes_.Publish(d, replicas);
  if (!HasSharedLimits(d)) return;
  // Only a limiter created by this publish's route (or kept from the incarnation's earlier
  // ones) is found; the leaser ignores one it already tracks.
  if (std::shared_ptr<RateLimiter> limiter = limiters_(d.deployed_model)) {
    leaser_.Track(d.deployed_model, d.uid, std::move(limiter));
  }
}

void SharedLimitsPublisher::Withdraw(const std::string& deployed_model) {
  routes_.Withdraw(deployed_model);
  leaser_.Forget(deployed_model);
}

}  // namespace berth
