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
      if (!CheckProcess(rec.pid, rec.start_ticks).alive) {
        if (!rec.stopping) {
          LOG_INFO("replica {} of {}: its engine (pid {}) is gone; it will be replaced",
                   rec.replica_id, rec.deployed_model, rec.pid);
        }
        continue;
      }
      if (Status taken = placement_.TakeExact(rec.unit_spec, rec.slots); !taken.ok()) {
        LOG_WARN("replica {}: keeps running outside the unit inventory: {}", rec.replica_id,
                 taken.message());
        rec.slots.clear();
      }
      if (rec.stopping) {  // it was being stopped when berth went away: finish the job
        dying_.push_back(Dying{rec, now, now, false, false});
        continue;
      }
      Replica r;
      r.rec = rec;
      r.engine = engines_.Resolve(rec.model_name, rec.base_model);
      r.seq = next_seq_++;
      r.generation = 1;
      r.attempt_started = now;
      r.next_probe = now;
      probes.push_back({rec.replica_id, r.generation, rec.port, r.engine.health_path, false});
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
