// FencedRuntime: the RuntimeAdapter the reconciler acts through when several instances share
// one store. Starting, stopping, attaching and detaching happen only while this instance holds
// the reconciler lease (LeaderLease::IsLeader, checked right before each action), and the first
// action of each term waits for the runtime to relearn its replicas (Readopt), since another
// instance may have acted meanwhile; reads pass through. Thread-safe as the wrapped runtime is.
#pragma once

#include <cstdint>
#include <mutex>

#include "cluster/leader_lease.h"
#include "runtime/runtime_adapter.h"

namespace berth {

class FencedRuntime final : public RuntimeAdapter {
 public:
  // Tells `runtime` to act only while `lease` is held (RuntimeAdapter::ShareWith).
  FencedRuntime(RuntimeAdapter& runtime, const LeaderLease& lease);

  std::string_view Name() const override { return runtime_.Name(); }
  // Each: FailedPrecondition when this instance does not lead; the Readopt's error when the
  // term is new and the runtime could not relearn its replicas.
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
  Status CheckLeader();

  RuntimeAdapter& runtime_;
  const LeaderLease& lease_;
  std::mutex readopt_mu_;
  int64_t readopted_term_ = 0;  // the term whose Readopt succeeded (guarded by readopt_mu_)
};

}  // namespace berth
