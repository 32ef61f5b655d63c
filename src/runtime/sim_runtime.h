// SimRuntime: replicas modelled in memory. A replica is ready `ready_delay` after it starts
// and stays ready until stopped. lora adapters share one replica per base model, which starts
// with the base's first adapter and stops with its last; an adapter is ready when that replica
// is. For developers and CI, where no engine should run. Thread-safe. Every call but
// ListAllReplicas costs O(log n) in the number of replicas: replicas are indexed by deployment,
// so a reconcile pass does not grow with the number of deployments.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/runtime_adapter.h"

namespace berth {

class SimRuntime : public RuntimeAdapter {
 public:
  SimRuntime(const Clock& clock, Millis ready_delay) : clock_(clock), ready_delay_(ready_delay) {}

  // Ready replicas listen on a virtual port from here up (above any real port): the gateway's
  // calls to it are answered in-process (src/sim_upstream/).
  static constexpr int kInProcessPortBase = 1 << 20;

  std::string_view Name() const override { return "sim"; }
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  Status StopReplica(const std::string& replica_id) override;
  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override;
  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override;
  Status AttachAdapter(const ReplicaSpec& spec) override;
  Status DetachAdapter(const std::string& deployment_uid) override;

 private:
  struct Pool {
    std::string replica_id;
    std::set<std::string> adapters;  // deployment uids
  };

  ReplicaInfo Observe(const ReplicaInfo& replica) const;
  ReplicaInfo AddLocked(const std::string& deployment_uid, int units);
  void EraseLocked(const std::string& replica_id);
  // The pool replica seen from the deployment `uid` it serves.
  ReplicaInfo PoolViewLocked(const std::string& base, const std::string& uid) const;

  const Clock& clock_;
  const Millis ready_delay_;
  std::mutex mu_;
  int64_t next_id_ = 1;                          // guarded by mu_
  std::map<std::string, ReplicaInfo> replicas_;  // by replica_id, pools' too; guarded by mu_
  // replica ids by deployment uid, in start order (ids count up); guarded by mu_
  std::map<std::string, std::vector<std::string>> by_deployment_;
  std::map<std::string, Pool> pools_;            // by base model; guarded by mu_
  std::map<std::string, std::string> attached_;  // deployment uid -> base model; guarded by mu_
};

}  // namespace berth
