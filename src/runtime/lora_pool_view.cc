// A LoRA pool replica as one adapter deployment's replica; see lora_pool_view.h.
#include "runtime/lora_pool_view.h"

#include <algorithm>

#include "common/log.h"

namespace berth {

bool AdapterTries::MayTry(SteadyTime now, int max_tries) const {
  return !busy && now >= next_try && failures < max_tries;
}

void AdapterTries::Record(const Status& result, const std::string& what, SteadyTime now,
                          Millis base, Millis max) {
  busy = false;
  if (result.ok()) {
    failures = 0;
    last_error.clear();
    return;
  }
  ++failures;
  last_error = what + ": " + result.message();
  int shift = std::min(failures - 1, 16);
  next_try = now + std::min(max, base * (int64_t{1} << shift));
  LOG_WARN("{} (try {})", last_error, failures);
}

ReplicaInfo LoraPoolReplicaView(ReplicaInfo view, const LoraPoolNames& names,
                                const AdapterLoadState& load, int max_tries) {
  view.deployment_uid = names.adapter_uid;
  view.pool = names.pool;
  // SGLang serves an adapter as "<base>:<adapter>", the base being the pool's served name.
  if (names.kind == EngineKind::kSglang) {
    view.upstream_model = names.pool_served + ":" + names.adapter_model;
  }
  if (view.state != ReplicaState::kReady || load.loaded) return view;
  view.state = ReplicaState::kStarting;
  if (!load.tried) return view;
  view.last_error = load.last_error;
  if (load.failures >= max_tries) {
    view.state = ReplicaState::kFailed;
    view.last_error += " (gave up after " + std::to_string(load.failures) + " tries)";
  }
  return view;
}

}  // namespace berth
