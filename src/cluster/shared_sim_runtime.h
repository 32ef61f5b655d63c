// SharedSimRuntime: the sim runtime of several instances sharing one PostgreSQL. Replicas are
// rows (sim_replicas), not memory of one process, so a new leader adopts the replicas its
// predecessor started (none is restarted: the replica ids stay) and every instance lists them
// and routes to them (answered in-process, src/sim_upstream/). A replica is ready
// `ready_delay` after it started; lora adapters share one pool replica per base model, as in
// SimRuntime. The number of replicas ever started is the sim_replica_ids sequence.
// Thread-safe; blocking (database calls): the reconciler's worker threads call it.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "runtime/runtime_adapter.h"

namespace berth {
namespace pg {
class Pool;
}  // namespace pg

class SharedSimRuntime final : public RuntimeAdapter {
 public:
  SharedSimRuntime(pg::Pool& pool, const Clock& clock, Millis ready_delay)
      : pool_(pool), clock_(clock), ready_delay_(ready_delay) {}

  std::string_view Name() const override { return "sim"; }
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  Status StopReplica(const std::string& replica_id) override;
  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override;
  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override;
  Status AttachAdapter(const ReplicaSpec& spec) override;
  Status DetachAdapter(const std::string& deployment_uid) override;

 private:
  ReplicaInfo Observe(ReplicaInfo replica) const;

  pg::Pool& pool_;
  const Clock& clock_;
  const Millis ready_delay_;
};

}  // namespace berth
