// How ProcessRuntime ends engine processes: the main process first, so vLLM
// (--shutdown-timeout) and SGLang can finish their requests, then the whole process group, then
// SIGKILL; and what is left of an engine whose main process died (vLLM's GPU workers can
// outlive their API server). Units are free only once no process of the group is left.
// Supervisor thread (and the RuntimeAdapter methods), with mu_ held.
#include <signal.h>

#include "common/log.h"
#include "runtime/process/child_process.h"
#include "runtime/process/process_runtime.h"

namespace berth {

void ProcessRuntime::TickDying(SteadyTime now) {
  for (auto it = dying_.begin(); it != dying_.end();) {
    if (!TickOneDying(*it, now)) {
      ++it;
      continue;
    }
    placement_.Release(it->rec.unit_spec, it->rec.slots);
    LOG_INFO("replica {}: process group {} is gone", it->rec.replica_id, it->rec.pgid);
    it = dying_.erase(it);
    dirty_ = true;
  }
}

bool ProcessRuntime::TickOneDying(Dying& d, SteadyTime now) {
  if (!d.leader_gone && !CheckProcess(d.rec.pid, d.rec.start_ticks).alive) {
    // Its main process is gone: whatever it left behind in its group has no one to answer to.
    d.leader_gone = true;
    d.kill_sent = SignalGroup(d.rec.pgid, SIGKILL);
  }
  if (d.leader_gone) {
    if (!GroupAlive(d.rec.pgid)) return true;
    SignalGroup(d.rec.pgid, SIGKILL);  // a member forked after the last signal
    return false;
  }
  // A drain ends as soon as nothing is in flight; drain_grace only bounds a busy one.
  bool idle = !d.term_sent && now < d.term_at && in_flight_ && in_flight_(d.rec.replica_id) == 0;
  if (!d.term_sent && (now >= d.term_at || idle)) {
    SignalProcess(d.rec.pid, SIGTERM);
    d.term_sent = true;
    d.group_term_at = now + d.stop_grace;
  }
  if (d.term_sent && !d.group_term_sent && now >= d.group_term_at) {
    SignalGroup(d.rec.pgid, SIGTERM);
    d.group_term_sent = true;
    d.kill_at = now + options_.term_timeout;
  } else if (d.group_term_sent && !d.kill_sent && now >= d.kill_at) {
    LOG_WARN("replica {}: process {} ignored SIGTERM for {} ms; sending SIGKILL", d.rec.replica_id,
             d.rec.pid, (d.stop_grace + options_.term_timeout).count());
    SignalGroup(d.rec.pgid, SIGKILL);
    d.kill_sent = true;
  }
  return false;
}

void ProcessRuntime::BuryGroupLocked(Replica& r, SteadyTime now) {
  if (r.rec.pgid > 0 && GroupAlive(r.rec.pgid)) {
    LOG_WARN("replica {}: engine process {} died, leaving processes in its group; killing them",
             r.rec.replica_id, r.rec.pid);
    Dying d;
    d.rec = r.rec;
    d.rec.stopping = true;
    d.rec.slots.clear();  // the replica keeps them, and waits for this group before restarting
    d.term_at = now;
    d.leader_gone = true;
    d.kill_sent = SignalGroup(r.rec.pgid, SIGKILL);
    dying_.push_back(std::move(d));
  }
  r.rec.pid = 0;  // already reaped, nothing to retire
  dirty_ = true;
}

bool ProcessRuntime::DyingLocked(const std::string& replica_id) const {
  for (const Dying& d : dying_) {
    if (d.rec.replica_id == replica_id) return true;
  }
  return false;
}

void ProcessRuntime::ReleaseSlotsLocked(Replica& r) {
  for (Dying& d : dying_) {
    if (d.rec.replica_id != r.rec.replica_id) continue;
    d.rec.slots.insert(d.rec.slots.end(), r.rec.slots.begin(), r.rec.slots.end());
    r.rec.slots.clear();
    return;
  }
  placement_.Release(r.rec.unit_spec, r.rec.slots);
  r.rec.slots.clear();
}

Millis ProcessRuntime::StopGrace(const EngineTemplate& engine) const {
  return engine.health.stop_grace;
}

void ProcessRuntime::RetireProcessLocked(Replica& r, SteadyTime term_at, bool release_slots) {
  if (r.rec.pid > 0) {
    Dying d;
    d.rec = r.rec;
    d.rec.stopping = true;
    if (!release_slots) d.rec.slots.clear();  // the replica keeps them for its next process
    d.term_at = term_at;
    d.stop_grace = StopGrace(r.engine);
    dying_.push_back(std::move(d));
    r.rec.pid = 0;
    if (release_slots) r.rec.slots.clear();
  } else if (release_slots) {
    ReleaseSlotsLocked(r);
  }
  dirty_ = true;
}

}  // namespace berth
