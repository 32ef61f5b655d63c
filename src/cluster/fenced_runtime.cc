#include "cluster/fenced_runtime.h"

#include <string>

#include "common/log.h"

namespace berth {

FencedRuntime::FencedRuntime(RuntimeAdapter& runtime, const LeaderLease& lease)
    : runtime_(runtime), lease_(lease) {
  runtime_.ShareWith([&lease] { return lease.IsLeader(); });
}

Status FencedRuntime::CheckLeader() {
  std::optional<LeaseFence> fence = lease_.Fence();
  if (!fence) {
    return FailedPrecondition(
        "this instance does not hold the reconciler lease; runtime action refused");
  }
  std::lock_guard lock(readopt_mu_);
  if (readopted_term_ != fence->term) {
    Status readopted = runtime_.Readopt();
    if (!readopted.ok()) {
      return Unavailable("relearning the replicas for lease term " + std::to_string(fence->term) +
                         ": " + readopted.message());
    }
    LOG_INFO("cluster: the {} runtime's replicas relearned for lease term {}", runtime_.Name(),
             fence->term);
    readopted_term_ = fence->term;
  }
  return Status::Ok();
}

StatusOr<ReplicaInfo> FencedRuntime::StartReplica(const ReplicaSpec& spec) {
  RETURN_IF_ERROR(CheckLeader());
  return runtime_.StartReplica(spec);
}

Status FencedRuntime::StopReplica(const std::string& replica_id) {
  RETURN_IF_ERROR(CheckLeader());
  return runtime_.StopReplica(replica_id);
}

Status FencedRuntime::AttachAdapter(const ReplicaSpec& spec) {
  RETURN_IF_ERROR(CheckLeader());
  return runtime_.AttachAdapter(spec);
}

Status FencedRuntime::DetachAdapter(const std::string& deployment_uid) {
  RETURN_IF_ERROR(CheckLeader());
  return runtime_.DetachAdapter(deployment_uid);
}

}  // namespace berth
