// How one replica of a LoRA pool shows to the reconciler for one adapter deployment: the pool
// replica's own state, narrowed by whether that adapter is loaded in it; and the bookkeeping of
// the loads tried on it. Shared by the runtimes that serve lora pools (process, Kubernetes);
// pure, any thread (the runtimes hold their own lock around AdapterTries).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "core/engine_template.h"
#include "runtime/runtime_adapter.h"

namespace berth {

// One adapter's load on one pool replica, as the runtime tracks it.
struct AdapterLoadState {
  bool tried = false;   // a load was attempted on this replica (failures, last_error are set)
  bool loaded = false;  // loaded in the replica's current process or pod incarnation
  int failures = 0;     // refused loads in a row
  std::string last_error;
};

// The loads of one adapter tried on one pool replica: whether a call is under way, the refusals
// in a row with the last one's message, and when the next try may go.
struct AdapterTries {
  bool busy = false;  // a call to the engine is under way
  int failures = 0;   // refused loads in a row
  SteadyTime next_try;
  std::string last_error;

  // Whether a load may be sent at `now`: none under way, the backoff passed, tries left.
  bool MayTry(SteadyTime now, int max_tries) const;
  // The outcome of the call under way. A refusal is counted and keeps `what` + its message;
  // the next try waits base * 2^(failures-1), at most `max`. Success clears the refusals.
  void Record(const Status& result, const std::string& what, SteadyTime now, Millis base,
              Millis max);
};

// Names of a pool and of one adapter deployment on it.
struct LoraPoolNames {
  std::string adapter_uid;    // the adapter deployment's uid
  std::string adapter_model;  // the name the adapter is loaded and served as
  std::string pool;           // the pool, as ReplicaInfo::pool names it
  std::string pool_served;    // the name the pool's engine serves its base model as
  EngineKind kind = EngineKind::kOpenAI;
};

// `view` (the pool replica) as a replica of the adapter deployment. A ready replica stays ready
// only with the adapter loaded; until then it is starting, with the last refusal as its error,
// and failed after `max_tries` refusals in a row.
ReplicaInfo LoraPoolReplicaView(ReplicaInfo view, const LoraPoolNames& names,
                                const AdapterLoadState& load, int max_tries);

}  // namespace berth
