// ProcessRuntime: each replica is one model-engine process on this machine, started from the
// model's engine template, placed on the unit inventory, health-checked (out of routing when
// its probes fail, restarted only after its engine's liveness budget), restarted with backoff
// when it dies, drained and stopped when asked: SIGTERM to the engine's main process, then to
// its process group, then SIGKILL. A process group is gone before its units are free
// (docs/runtime.md).
//
// Threads: the RuntimeAdapter methods may be called from any thread (the reconciler's
// workers); they fork/exec and update the table, never wait on an engine. One supervisor
// thread watches the processes, restarts and kills them; it never waits on an engine either:
// health probes and LoRA adapter calls run on their own pools and post their answers back, so
// a slow engine delays no other replica's crash detection, restart or SIGKILL. All state is
// guarded by one mutex, never held across fork/exec, fsync or an engine call, so listing
// replicas never waits for them. Every deadline (restart backoff,
// drain grace, SIGTERM to SIGKILL, health and startup timeouts) runs on the clock's monotonic
// time, so setting the wall clock neither stalls a restart nor fires a SIGKILL early.
//
// lora deployments share a pool of replicas of their base model (lora_pool.replicas of the
// base's template), started with the first adapter attached and stopped after the last one is
// detached; the supervisor loads each attached adapter onto every ready pool replica, again
// after a replica restarts.
//
// Engines run in their own sessions and outlive berth: destroying a ProcessRuntime stops
// watching them but leaves them running, and the next Open() on the same data directory
// adopts them (berth's restart relies on this). StopAll() is the way to end them all;
// FinishStopping() ends only those already being stopped.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/thread_pool.h"
#include "core/placement.h"
#include "runtime/lora_pool_view.h"
#include "runtime/process/child_process.h"
#include "runtime/process/engine_client.h"
#include "runtime/process/engine_port.h"
#include "runtime/process/engines_config.h"
#include "runtime/process/replica_records.h"
#include "runtime/runtime_adapter.h"

namespace berth {

struct ProcessRuntimeOptions {
  std::string data_dir;              // logs and state.json go to <data_dir>/replicas
  UnitInventory units;               // empty: unlimited
  Millis placement_timeout{600000};  // unplaceable this long: the replica is reported failed
  // Health defaults for templates that leave them zero (EngineTemplate::health).
  Millis probe_interval{500};
  Millis probe_timeout{1000};
  int unhealthy_probes = 3;       // failed probes in a row that take a replica out of routing
  Millis liveness_budget{60000};  // failing this long since the last pass: restart
  int max_start_tries = 3;        // starts in a row that never got healthy before giving up
  Millis backoff_base{1000};      // wait before restart n: base * 2^(n-1), at most backoff_max
  Millis backoff_max{30000};
  Millis drain_grace{5000};    // a stopped ready replica keeps serving in-flight requests
  Millis term_timeout{10000};  // SIGTERM to the group, then SIGKILL after this
  Millis tick{100};            // supervisor period
  int probe_threads = 4;
  int adapter_threads = 2;        // adapter calls may take a minute: kept off the probe pool
  Millis adapter_timeout{60000};  // one adapter load or unload call
  Millis idle_pool_grace{30000};  // an adopted pool nobody attaches to is stopped after this
};

class ProcessRuntime : public RuntimeAdapter {
 public:
  // Loads <data_dir>/replicas/state.json, adopts the recorded engines that still run (same pid
  // and start time), forgets dead ones, finishes stopping the ones that were being stopped,
  // and starts the supervisor. Internal when the directory cannot be created.
  static StatusOr<std::unique_ptr<ProcessRuntime>> Open(ProcessRuntimeOptions options,
                                                        EnginesConfig engines,
                                                        std::unique_ptr<EngineClient> probe,
                                                        const Clock& clock);
  // Stops the supervisor; leaves every engine running (see above).
  ~ProcessRuntime() override;

  std::string_view Name() const override { return "process"; }
  // Places and spawns a replica; returns at once (state starting). Unavailable while there is
  // no room; after placement_timeout without room, or when it can never fit, returns a replica
  // in state failed whose last_error says why (the reconciler fails the deployment).
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  // Forgets the replica at once; its engine drains and is then sent SIGTERM, and SIGKILL after
  // term_timeout, by the supervisor. A ready engine drains while the in-flight probe counts
  // requests to it, for at most drain_grace (without a probe: drain_grace); others go at once.
  Status StopReplica(const std::string& replica_id) override;
  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override;
  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override;
  // Reads <data_dir>/replicas/<id>.log's end (the engine's stdout and stderr). NotFound for a
  // replica it does not run.
  StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) override;
  // Returns at once; the supervisor loads the adapter. A load the engine refuses
  // max_start_tries times in a row shows as a failed replica of the deployment.
  Status AttachAdapter(const ReplicaSpec& spec) override;
  Status DetachAdapter(const std::string& deployment_uid) override;
  // Waits for a running call of the previous callback, so after OnReplicaChange(nullptr) the
  // old one is never called again (call it before destroying what the callback uses).
  void OnReplicaChange(ChangeCallback callback) override;

  // Requests in flight to a replica as the serving path counts them (the composition root
  // passes the gateway's). Called on the supervisor thread with the runtime's lock held: it
  // must be cheap and must not call the runtime. Set once, before replicas are stopped.
  using InFlightProbe = std::function<int(const std::string& replica_id)>;
  void SetInFlightProbe(InFlightProbe probe);

  // Stops every replica without drain and waits (up to term_timeout + 2s) until their
  // processes are gone. For tests and an explicit shutdown.
  void StopAll();
  // For berth's exit, once nothing is served any more: ends every drain at once (SIGTERM now)
  // and waits up to `bound` for the stopped replicas' processes to be gone. Whatever is still
  // exiting then stays recorded as stopping, and the next Open finishes it off. Running
  // replicas are left running (they are adopted).
  void FinishStopping(Millis bound);
  // The engines config, e.g. for a model's ptu_tpm_per_replica. Immutable; any thread.
  const EnginesConfig& engines() const { return engines_; }
  std::string ReplicasDir() const;
  std::string LogPath(const std::string& replica_id) const;

 private:
  // kUnready: served once, now failing its probes: out of routing (listed as starting), not
  // restarted until the liveness budget is spent.
  enum class Phase { kStarting, kReady, kUnready, kBackoff, kFailed };
  struct Replica {
    ReplicaRecord rec;
    EngineTemplate engine;
    Phase phase = Phase::kStarting;
    int64_t seq = 0;          // creation order, to list oldest first
    int failures = 0;         // starts or crashes in a row since it was last healthy
    bool ever_ready = false;  // once it served, it is restarted for good (never given up)
    int failed_probes = 0;    // while ready or unready
    SteadyTime last_pass;     // the last probe that passed (or when it became ready)
    uint64_t generation = 0;  // bumped per process, so a late probe result is ignored
    bool probing = false;
    bool look_failed = false;  // its liveness could not be checked last tick (logged once)
    SteadyTime attempt_started;
    SteadyTime next_probe;
    SteadyTime restart_at;
    std::string last_error;
  };
  // A process group on its way out: a stopped replica's, one killed to be restarted, or what
  // is left of an engine whose main process died. At term_at its main process gets SIGTERM;
  // stop_grace later (or once the main process is gone) the group does, then SIGKILL after
  // term_timeout. rec.slots are released only once no process of the group is left.
  struct Dying {
    ReplicaRecord rec;
    SteadyTime term_at;
    Millis stop_grace{0};
    SteadyTime group_term_at;
    SteadyTime kill_at;
    bool term_sent = false;
    bool group_term_sent = false;
    bool kill_sent = false;
    bool leader_gone = false;
  };
  struct ProbeJob {
    std::string replica_id;
    uint64_t generation = 0;
    int port = 0;
    std::string path;
    Millis timeout{0};
    bool healthy = false;
    bool looked = true;  // false: the probe failed because berth could not open a socket
  };
  struct Unplaceable {
    SteadyTime since;
    SteadyTime last_try;
  };
  // One adapter on one pool replica.
  struct AdapterLoad : AdapterTries {
    uint64_t loaded_generation = 0;  // the replica process it is loaded on; 0: none
  };
  struct Adapter {
    std::string deployed_model;  // also the name the engine serves it under
    std::string path;
    std::map<std::string, AdapterLoad> loads;  // by pool replica id
  };
  struct Pool {
    std::vector<std::string> replica_ids;
    std::map<std::string, Adapter> adapters;  // by deployment uid
    SteadyTime idle_since;                    // adopted without adapters: stopped after grace
  };
  struct AdapterJob {
    std::string base_model;
    std::string deployment_uid;  // empty for an unload
    std::string replica_id;
    uint64_t generation = 0;
    int port = 0;
    std::string name;
    std::string path;
    bool load = true;
    Status result;
    EngineKind kind = EngineKind::kOpenAI;  // which LoRA API the engine has
  };

  // One fork/exec to run without mu_: prepared under it, applied under it again.
  struct SpawnJob {
    ReplicaRecord rec;        // the replica as prepared: port, command
    uint64_t generation = 0;  // the process generation this spawn starts
    SpawnRequest request;
    StatusOr<SpawnedProcess> result = Unavailable("not spawned");
  };

  ProcessRuntime(ProcessRuntimeOptions options, EnginesConfig engines,
                 std::unique_ptr<EngineClient> probe, const Clock& clock);

  // process_runtime_adopt.cc
  void Adopt(std::vector<ReplicaRecord> records);

  // process_runtime_pools.cc
  void AdoptPoolsLocked(SteadyTime now);
  void CollectAdapterJobsLocked(SteadyTime now, std::vector<AdapterJob>& jobs);
  void ApplyAdapterJob(const AdapterJob& job, SteadyTime now);
  void StopIdlePoolsLocked(SteadyTime now);
  void StopPoolLocked(const std::string& base_model);
  ReplicaInfo PoolViewLocked(const Replica& r, const std::string& base_model,
                             const std::string& deployment_uid, const Adapter& adapter) const;
  void ListPoolViewsLocked(const std::string* deployment_uid, std::vector<ReplicaInfo>& out) const;
  static bool IsPoolReplica(const ReplicaRecord& rec);

  // process_engine_calls.cc, without mu_. Submit returns at once; each answer is applied
  // under mu_ when it comes. ProbeAndWait (adoption, before the supervisor runs) waits.
  void SubmitEngineCalls(std::vector<ProbeJob> probes, std::vector<AdapterJob> adapter_jobs);
  void ProbeAndWait(std::vector<ProbeJob>& probes);
  // Saves the records if they changed; fsyncs without mu_ (saves are serialized, and an
  // older snapshot never overwrites a newer one).
  void Persist();

  // process_supervisor.cc; all *Locked methods need mu_.
  void SupervisorLoop();
  void Tick();
  void TickDying(SteadyTime now);
  // Advances one dying group's signals; true once no process of it is left.
  bool TickOneDying(Dying& d, SteadyTime now);
  // The leader of `r` died on its own: its group is killed, and kept as dying until empty.
  void BuryGroupLocked(Replica& r, SteadyTime now);
  // Whether a process group of replica `replica_id` is still on its way out.
  bool DyingLocked(const std::string& replica_id) const;
  // Frees `r`'s units, or hands them to its dying group, which frees them once it is gone.
  void ReleaseSlotsLocked(Replica& r);
  void ApplyFailedProbeLocked(Replica& r, SteadyTime now);
  ProbeJob ProbeFor(const Replica& r) const;
  Millis ProbeInterval(const Replica& r) const;
  Millis StopGrace(const EngineTemplate& engine) const;
  void TickReplica(Replica& r, SteadyTime now, std::vector<ProbeJob>& probes,
                   std::vector<SpawnJob>& spawns);
  void ApplyProbe(const ProbeJob& job, SteadyTime now);
  // Picks a port and expands the command; the fork happens in RunSpawns.
  void PrepareSpawnLocked(Replica& r, SteadyTime now, std::vector<SpawnJob>& spawns);
  // Without mu_: forks and execs each job, then records the results under mu_.
  void RunSpawns(std::vector<SpawnJob>& spawns);
  void ApplySpawnLocked(const SpawnJob& job, SteadyTime now);
  void FailLocked(Replica& r, const std::string& reason, SteadyTime now);
  void RetireProcessLocked(Replica& r, SteadyTime term_at, bool release_slots);
  void ChangedLocked(const Replica& r);
  std::set<int> PortsInUseLocked() const;
  ReplicaInfo InfoLocked(const Replica& r) const;
  std::vector<ReplicaInfo> ListLocked(const std::string* deployment_uid) const;
  StatusOr<ReplicaInfo> UnplaceableLocked(const ReplicaSpec& spec, const Status& why);
  std::string NewReplicaId(const std::string& deployed_model) const;
  StatusOr<ReplicaInfo> StartLocked(const ReplicaSpec& spec, std::vector<SpawnJob>& spawns);
  void StopLocked(const std::string& replica_id);

  const ProcessRuntimeOptions options_;
  const EnginesConfig engines_;
  const std::unique_ptr<EngineClient> probe_;
  const Clock& clock_;
  const PortRange engine_ports_;              // where engines listen (engine_port.h)
  std::unique_ptr<ThreadPool> probe_pool_;    // health probes; emptied before destruction
  std::unique_ptr<ThreadPool> adapter_pool_;  // adapter loads and unloads; likewise
  std::mutex save_mu_;                        // held while state.json is written
  uint64_t saved_version_ = 0;                // the snapshot on disk; guarded by save_mu_

  std::mutex mu_;
  std::condition_variable cv_;                      // wakes the supervisor; signals tick ends
  Placement placement_;                             // guarded by mu_
  std::map<std::string, Replica> replicas_;         // by replica_id; guarded by mu_
  std::vector<Dying> dying_;                        // guarded by mu_
  std::map<std::string, Unplaceable> unplaceable_;  // by deployment_uid; guarded by mu_
  std::map<std::string, Pool> pools_;               // by base model; guarded by mu_
  std::map<std::string, std::string> attached_;     // deployment uid -> base; guarded by mu_
  std::vector<AdapterJob> unloads_;                 // to send on the next tick; guarded by mu_
  std::set<std::string> changed_;                   // deployed_models to report; guarded by mu_
  std::mutex callback_mu_;                          // held while on_change_ runs
  ChangeCallback on_change_;                        // guarded by callback_mu_
  InFlightProbe in_flight_;                         // guarded by mu_
  int64_t next_seq_ = 1;                            // guarded by mu_
  bool dirty_ = false;            // records changed since last snapshot; guarded by mu_
  uint64_t records_version_ = 0;  // snapshots taken; guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::thread supervisor_;
};

}  // namespace berth
