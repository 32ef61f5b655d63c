// ReplicaReader: how the service layer reads a deployment's replicas (GET .../replicas)
// without depending on the runtime: the reconciler owns the one RuntimeAdapter and answers.
// Callable from any thread; implementations must be thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "runtime/runtime_adapter.h"

namespace berth {

class ReplicaReader {
 public:
  virtual ~ReplicaReader() = default;
  // The replicas of one deployment incarnation, oldest first. Unavailable (or
  // DeadlineExceeded) when the runtime could not look.
  virtual StatusOr<std::vector<ReplicaInfo>> Replicas(const std::string& deployment_uid) = 0;
  // The end of one replica's engine log (RuntimeAdapter::ReplicaLogTail). FailedPrecondition
  // when there is no runtime that keeps one.
  virtual StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) {
    (void)replica_id;
    (void)max_bytes;
    return FailedPrecondition("this server keeps no engine log");
  }
  // Why the deployment's replicas cannot start now (the runtime has no room: the message of
  // its WaitingForCapacity event, e.g. the Kubernetes scheduler's); empty when they can.
  virtual std::string WaitingReason(const std::string& deployed_model) {
    (void)deployed_model;
    return "";
  }
};

}  // namespace berth
