#include "runtime/sim_runtime.h"

#include <algorithm>
#include <tuple>

namespace berth {

namespace {
constexpr char kPoolUidPrefix[] = "pool:";
}

StatusOr<ReplicaInfo> SimRuntime::StartReplica(const ReplicaSpec& spec) {
  std::lock_guard lock(mu_);
  return Observe(AddLocked(spec.deployment_uid, spec.units));
}

ReplicaInfo SimRuntime::AddLocked(const std::string& deployment_uid, int units) {
  ReplicaInfo replica;
  replica.port = kInProcessPortBase + static_cast<int>(next_id_ % kInProcessPortBase);
  replica.replica_id = "sim-" + std::to_string(next_id_++);
  replica.deployment_uid = deployment_uid;
  replica.units = units;
  replica.started = clock_.Now();
  replicas_[replica.replica_id] = replica;
  by_deployment_[deployment_uid].push_back(replica.replica_id);
  return replica;
}

Status SimRuntime::AttachAdapter(const ReplicaSpec& spec) {
  std::lock_guard lock(mu_);
  if (attached_.count(spec.deployment_uid)) return Status::Ok();
  Pool& pool = pools_[spec.base_model];
  if (pool.adapters.empty()) {
    pool.replica_id = AddLocked(kPoolUidPrefix + spec.base_model, 1).replica_id;
  }
  pool.adapters.insert(spec.deployment_uid);
  attached_[spec.deployment_uid] = spec.base_model;
  return Status::Ok();
}

Status SimRuntime::DetachAdapter(const std::string& deployment_uid) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(deployment_uid);
  if (it == attached_.end()) return Status::Ok();
  Pool& pool = pools_[it->second];
  pool.adapters.erase(deployment_uid);
  if (pool.adapters.empty()) {
    EraseLocked(pool.replica_id);
    pools_.erase(it->second);
  }
  attached_.erase(it);
  return Status::Ok();
}

ReplicaInfo SimRuntime::PoolViewLocked(const std::string& base, const std::string& uid) const {
  ReplicaInfo view = Observe(replicas_.at(pools_.at(base).replica_id));
  view.deployment_uid = uid;
  view.pool = base;
  return view;
}

Status SimRuntime::StopReplica(const std::string& replica_id) {
  std::lock_guard lock(mu_);
  EraseLocked(replica_id);
  return Status::Ok();
}

void SimRuntime::EraseLocked(const std::string& replica_id) {
  auto it = replicas_.find(replica_id);
  if (it == replicas_.end()) return;
  auto listed = by_deployment_.find(it->second.deployment_uid);
  if (listed != by_deployment_.end()) {
    std::erase(listed->second, replica_id);
    if (listed->second.empty()) by_deployment_.erase(listed);
  }
  replicas_.erase(it);
}

StatusOr<std::vector<ReplicaInfo>> SimRuntime::ListReplicas(const std::string& deployment_uid) {
  std::lock_guard lock(mu_);
  if (auto it = attached_.find(deployment_uid); it != attached_.end()) {
    return std::vector<ReplicaInfo>{PoolViewLocked(it->second, deployment_uid)};
  }
  std::vector<ReplicaInfo> out;
  if (auto listed = by_deployment_.find(deployment_uid); listed != by_deployment_.end()) {
    for (const std::string& id : listed->second) out.push_back(Observe(replicas_.at(id)));
  }
  std::sort(out.begin(), out.end(), [](const ReplicaInfo& a, const ReplicaInfo& b) {
    // Ids count up, so equal start times still sort oldest first.
    return std::tuple(a.started, a.replica_id.size(), a.replica_id) <
           std::tuple(b.started, b.replica_id.size(), b.replica_id);
  });
  return out;
}

StatusOr<std::vector<ReplicaInfo>> SimRuntime::ListAllReplicas() {
  std::lock_guard lock(mu_);
  std::vector<ReplicaInfo> out;
  for (const auto& [id, replica] : replicas_) {
    if (!replica.deployment_uid.starts_with(kPoolUidPrefix)) out.push_back(Observe(replica));
  }
  for (const auto& [uid, base] : attached_) out.push_back(PoolViewLocked(base, uid));
  return out;
}

ReplicaInfo SimRuntime::Observe(const ReplicaInfo& replica) const {
  ReplicaInfo observed = replica;
  observed.state = clock_.Now() >= replica.started + ready_delay_ ? ReplicaState::kReady
                                                                  : ReplicaState::kStarting;
  return observed;
}

}  // namespace berth
