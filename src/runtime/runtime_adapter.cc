#include "runtime/runtime_adapter.h"

namespace berth {

std::string_view ReplicaStateName(ReplicaState state) {
  switch (state) {
    case ReplicaState::kStarting:
      return "starting";
    case ReplicaState::kReady:
      return "ready";
    case ReplicaState::kFailed:
      return "failed";
  }
  return "?";
}

}  // namespace berth
