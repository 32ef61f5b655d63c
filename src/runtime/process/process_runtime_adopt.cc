// Adoption: what ProcessRuntime::Open does with the engines a previous berth left running.
// Runs once, on the thread that calls Open, before the supervisor starts.
#include "common/log.h"
#include "runtime/process/child_process.h"
#include "runtime/process/process_runtime.h"

namespace berth {

void ProcessRuntime::Adopt(std::vector<ReplicaRecord> records) {
  std::vector<ProbeJob> probes;
  {
    std::lock_guard lock(mu_);
    SteadyTime now = clock_.MonotonicNow();
    for (ReplicaRecord& rec : records) {
      if (rec.pid <= 0) continue;
      bool leader_alive = CheckProcess(rec.pid, rec.start_ticks).alive;
      // A dead engine's workers may still hold its units (GPU memory): they are killed, and
      // the units stay taken until the group is gone.
      bool group_left = !leader_alive && GroupAlive(rec.pgid);
      if (!leader_alive && !rec.stopping) {
        LOG_INFO("replica {} of {}: its engine (pid {}) is gone{}; it will be replaced",
                 rec.replica_id, rec.deployed_model, rec.pid,
                 group_left ? ", killing what is left of its process group" : "");
      }
      if (!leader_alive && !group_left) continue;
      if (Status taken = placement_.TakeExact(rec.unit_spec, rec.slots); !taken.ok()) {
        LOG_WARN("replica {}: keeps running outside the unit inventory: {}", rec.replica_id,
                 taken.message());
        rec.slots.clear();
      }
      if (rec.stopping || !leader_alive) {  // being stopped when berth went away, or dead
        Dying d;
        d.rec = rec;
        d.rec.stopping = true;
        d.term_at = now;
        d.group_term_at = now;
        d.leader_gone = !leader_alive;
        d.stop_grace = engines_.Resolve(rec.model_name, rec.base_model).health.stop_grace;
        dying_.push_back(std::move(d));
        continue;
      }
      Replica r;
      r.rec = rec;
      r.engine = engines_.Resolve(rec.model_name, rec.base_model);
      if (IsPoolReplica(rec)) r.engine = PoolTemplate(r.engine);
      r.seq = next_seq_++;
      r.generation = 1;
      r.attempt_started = now;
      r.next_probe = now;
      r.last_pass = now;
      probes.push_back(ProbeFor(r));
      replicas_[rec.replica_id] = std::move(r);
    }
  }
  ProbeAndWait(probes);
  std::lock_guard lock(mu_);
  for (const ProbeJob& job : probes) {
    Replica& r = replicas_.at(job.replica_id);
    if (job.healthy) {
      r.phase = Phase::kReady;
      r.ever_ready = true;
    }
    LOG_INFO("replica {} of {}: adopted engine pid {} on port {} ({})", r.rec.replica_id,
             r.rec.deployed_model, r.rec.pid, r.rec.port,
             job.healthy ? "ready" : "not answering yet");
  }
  AdoptPoolsLocked(clock_.MonotonicNow());
  dirty_ = true;
}

}  // namespace berth
