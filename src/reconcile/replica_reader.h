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
};

}  // namespace berth
