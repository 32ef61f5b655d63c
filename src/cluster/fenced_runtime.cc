#include "cluster/fenced_runtime.h"

namespace berth {

Status FencedRuntime::CheckLeader() const {
  if (lease_.IsLeader()) return Status::Ok();
  return FailedPrecondition(
      "this instance does not hold the reconciler lease; runtime action "
      "refused");
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
