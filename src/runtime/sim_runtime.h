// SimRuntime: replicas modelled in memory. A replica is ready `ready_delay` after it starts
// and stays ready until stopped. For developers and CI, where no engine should run.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>

#include "runtime/runtime_adapter.h"

namespace berth {

class SimRuntime : public RuntimeAdapter {
 public:
  SimRuntime(const Clock& clock, Millis ready_delay) : clock_(clock), ready_delay_(ready_delay) {}

  std::string_view Name() const override { return "sim"; }
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  Status StopReplica(const std::string& replica_id) override;
  std::vector<ReplicaInfo> ListReplicas(const std::string& deployment_uid) override;
  std::vector<ReplicaInfo> ListAllReplicas() override;

 private:
  ReplicaInfo Observe(const ReplicaInfo& replica) const;

  const Clock& clock_;
  const Millis ready_delay_;
  std::mutex mu_;
  int64_t next_id_ = 1;                          // guarded by mu_
  std::map<std::string, ReplicaInfo> replicas_;  // by replica_id; guarded by mu_
};

}  // namespace berth
