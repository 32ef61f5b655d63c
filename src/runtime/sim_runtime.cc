#include "runtime/sim_runtime.h"

#include <algorithm>
#include <tuple>

namespace berth {

StatusOr<ReplicaInfo> SimRuntime::StartReplica(const ReplicaSpec& spec) {
  std::lock_guard lock(mu_);
  ReplicaInfo replica;
  replica.replica_id = "sim-" + std::to_string(next_id_++);
  replica.deployment_uid = spec.deployment_uid;
  replica.units = spec.units;
  replica.started = clock_.Now();
  replicas_[replica.replica_id] = replica;
  return Observe(replica);
}

Status SimRuntime::StopReplica(const std::string& replica_id) {
  std::lock_guard lock(mu_);
  replicas_.erase(replica_id);
  return Status::Ok();
}

std::vector<ReplicaInfo> SimRuntime::ListReplicas(const std::string& deployment_uid) {
  std::lock_guard lock(mu_);
  std::vector<ReplicaInfo> out;
  for (const auto& [id, replica] : replicas_) {
    if (replica.deployment_uid == deployment_uid) out.push_back(Observe(replica));
  }
  std::sort(out.begin(), out.end(), [](const ReplicaInfo& a, const ReplicaInfo& b) {
    // Ids count up, so equal start times still sort oldest first.
    return std::tuple(a.started, a.replica_id.size(), a.replica_id) <
           std::tuple(b.started, b.replica_id.size(), b.replica_id);
  });
  return out;
}

std::vector<ReplicaInfo> SimRuntime::ListAllReplicas() {
  std::lock_guard lock(mu_);
  std::vector<ReplicaInfo> out;
  for (const auto& [id, replica] : replicas_) out.push_back(Observe(replica));
  return out;
}

ReplicaInfo SimRuntime::Observe(const ReplicaInfo& replica) const {
  ReplicaInfo observed = replica;
  observed.state = clock_.Now() >= replica.started + ready_delay_ ? ReplicaState::kReady
                                                                  : ReplicaState::kStarting;
  return observed;
}

}  // namespace berth
