// RuntimeAdapter: what runs replicas of a deployment (sim in memory, local processes,
// Kubernetes). The reconciler is its only caller; implementations must be thread-safe because
// reconcile workers may call them for different deployments at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/deployment.h"

namespace berth {

// Everything a runtime needs to start one replica of a deployment.
struct ReplicaSpec {
  std::string deployment_uid;
  std::string deployed_model;
  std::string model_name;
  std::string base_model;
  Plan plan = Plan::kMu;
  std::string unit_spec;  // e.g. "MU1"; empty for ptu and lora
  int units = 1;          // units one replica occupies
};

enum class ReplicaState {
  kStarting,  // started, not yet healthy
  kReady,     // serving
  kFailed,    // gave up on it (the reconciler stops and replaces or fails the deployment)
};

std::string_view ReplicaStateName(ReplicaState state);

struct ReplicaInfo {
  std::string replica_id;
  std::string deployment_uid;
  ReplicaState state = ReplicaState::kStarting;
  int units = 1;
  SystemTime started;
  int port = 0;
  std::string host;   // the replica's address (a pod IP); empty: 127.0.0.1
  std::string node;   // where it runs (a Kubernetes node); empty: this machine
  std::string phase;  // the runtime's own word for its state (a pod's phase); may be empty
  int pid = 0;
  int restarts = 0;
  std::string last_error;
  // Set when this is a replica of a shared pool (lora: the base model's pool), seen from one
  // of the deployments it serves: stop it with DetachAdapter(deployment_uid), not StopReplica.
  std::string pool;
  // The `model` the engine serves this deployment under, when it is not its deployed_model:
  // SGLang names an adapter "<base>:<adapter>". Empty: the deployed_model.
  std::string upstream_model;
};

// The end of a replica's engine log: at most the bytes asked for, starting at a line.
struct LogTail {
  std::string text;
  bool truncated = false;  // the log has more before `text`
};

class RuntimeAdapter {
 public:
  virtual ~RuntimeAdapter() = default;
  virtual std::string_view Name() const = 0;
  // Starts one replica. Unavailable when it cannot be placed now.
  virtual StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) = 0;
  // Stops and forgets one replica; OK if it is already gone.
  virtual Status StopReplica(const std::string& replica_id) = 0;
  // The replicas of one deployment incarnation, oldest first. Unavailable (or DeadlineExceeded)
  // when the runtime could not look, e.g. a Kubernetes list that timed out: that is "unknown",
  // never "none", so callers must not act on it.
  virtual StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) = 0;
  // Every replica this runtime knows about (to find orphans); a pool replica is listed once
  // per deployment it serves. Fails as ListReplicas does.
  virtual StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() = 0;

  // lora: serves the adapter of deployment `spec.deployment_uid` on the shared replica pool of
  // `spec.base_model`, starting the pool if this is its first adapter. Idempotent. From then on
  // ListReplicas(uid) lists the pool's replicas, ready where the adapter is loaded.
  virtual Status AttachAdapter(const ReplicaSpec& spec) = 0;
  // Unloads the deployment's adapter from its pool, and stops the pool if it was the last one.
  // OK if it is not attached.
  virtual Status DetachAdapter(const std::string& deployment_uid) = 0;

  // The last `max_bytes` (at most) of a replica's engine log, from a line start. NotFound for a
  // replica it does not run; FailedPrecondition when this runtime keeps no engine log.
  virtual StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) {
    (void)replica_id;
    (void)max_bytes;
    return FailedPrecondition("the " + std::string(Name()) + " runtime keeps no engine log");
  }

  // Called with a deployed_model whenever one of its replicas changes on its own (became
  // ready, died, gave up), so the owner can look at it again (the composition root passes
  // Reconciler::Trigger). Runs on the runtime's threads (without its locks held), so it must be
  // cheap. Set once, before replicas start. Runtimes whose replicas change
  // only when asked (sim) ignore it.
  using ChangeCallback = std::function<void(const std::string& deployed_model)>;
  virtual void OnReplicaChange(ChangeCallback callback) { (void)callback; }

  // Several instances on one store (cluster/ calls these). `may_act` tells whether this
  // instance is the one that acts on the replicas now (holds the reconciler lease). A runtime
  // whose replicas live outside the instance (Kubernetes) then reads the replicas from where
  // they run while it may not act (another instance's record of what it did is not its own),
  // and runs its own background actions only while it may. Set once, before Start-ing the
  // cluster. Runtimes with nothing outside themselves (sim in the store, process) ignore it.
  using MayActFn = std::function<bool()>;
  virtual void ShareWith(MayActFn may_act) { (void)may_act; }
  // Relearns this runtime's record of its replicas from where they run, as at a restart:
  // called once per term of the reconciler lease, before the new holder's first action, since
  // another instance acted meanwhile. Fails as ListReplicas does (then nothing is acted on).
  virtual Status Readopt() { return Status::Ok(); }
};

}  // namespace berth
