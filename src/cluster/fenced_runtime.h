// FencedRuntime: the RuntimeAdapter the reconciler acts through when several instances share
// one store. Starting, stopping, attaching and detaching happen only while this instance holds
// the reconciler lease (LeaderLease::IsLeader, checked right before each action); reads pass
// through. Thread-safe as the wrapped runtime is.
#pragma once

#include "cluster/leader_lease.h"
#include "runtime/runtime_adapter.h"

namespace berth {

class FencedRuntime final : public RuntimeAdapter {
 public:
  FencedRuntime(RuntimeAdapter& runtime, const LeaderLease& lease)
      : runtime_(runtime), lease_(lease) {}

  std::string_view Name() const override { return runtime_.Name(); }
  // Each: FailedPrecondition when this instance does not lead.
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  Status StopReplica(const std::string& replica_id) override;
  Status AttachAdapter(const ReplicaSpec& spec) override;
  Status DetachAdapter(const std::string& deployment_uid) override;

  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override {
    return runtime_.ListReplicas(deployment_uid);
  }
  StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) override {
    return runtime_.ReplicaLogTail(replica_id, max_bytes);
  }
  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override {
    return runtime_.ListAllReplicas();
  }
  void OnReplicaChange(ChangeCallback callback) override {
    runtime_.OnReplicaChange(std::move(callback));
  }

 private:
  Status CheckLeader() const;

  RuntimeAdapter& runtime_;
  const LeaderLease& lease_;
};

}  // namespace berth
