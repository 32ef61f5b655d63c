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
};

}  // namespace berth
