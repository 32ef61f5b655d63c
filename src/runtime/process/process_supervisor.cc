// The supervisor half of ProcessRuntime: spawning, exit detection, health, restart with
// backoff, and the SIGTERM/SIGKILL sequence of processes on their way out. Runs on the
// supervisor thread, except the spawn steps, which StartReplica and AttachAdapter also take,
// and ApplyProbe, which the probe pool calls with each answer.
#include <signal.h>

#include <fstream>

#include "common/log.h"
#include "core/engine_template.h"
#include "runtime/process/child_process.h"
#include "runtime/process/process_runtime.h"

namespace berth {
namespace {

constexpr char kLogMarker[] = "=== berth: ";

std::string Seconds(Millis d) {
  int64_t ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

void AppendLogLine(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << kLogMarker << line << "\n";
}

// What the engine said last, unless that was our own marker.
std::string EngineLastWords(const std::string& log_path) {
  std::string line = LastLogLine(log_path);
  return line.starts_with(kLogMarker) ? "" : line;
}

}  // namespace

void ProcessRuntime::SupervisorLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Tick();
    lock.lock();
    cv_.notify_all();  // StopAll waits for tick ends
    cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
}

void ProcessRuntime::Tick() {
  std::vector<ProbeJob> probes;
  std::vector<AdapterJob> adapter_jobs;
  std::vector<SpawnJob> spawns;
  {
    std::lock_guard lock(mu_);
    SteadyTime now = clock_.MonotonicNow();
    TickDying(now);
    for (auto& [id, r] : replicas_) TickReplica(r, now, probes, spawns);
    StopIdlePoolsLocked(now);
    CollectAdapterJobsLocked(now, adapter_jobs);
  }
  // Nothing below holds mu_ while it waits: engine calls answer later, forks and the save of
  // state.json run unlocked.
  SubmitEngineCalls(std::move(probes), std::move(adapter_jobs));
  RunSpawns(spawns);
  Persist();
  std::set<std::string> changed;
  {
    std::lock_guard lock(mu_);
    changed.swap(changed_);
  }
  std::lock_guard lock(callback_mu_);
  if (on_change_) {
    for (const std::string& deployed_model : changed) on_change_(deployed_model);
  }
}

void ProcessRuntime::TickReplica(Replica& r, SteadyTime now, std::vector<ProbeJob>& probes,
                                 std::vector<SpawnJob>& spawns) {
  if (r.phase == Phase::kBackoff) {
    // Never beside what is left of its previous process: that may still hold the GPUs.
    if (now >= r.restart_at && !DyingLocked(r.rec.replica_id)) PrepareSpawnLocked(r, now, spawns);
    return;
  }
  if (r.phase == Phase::kFailed || r.rec.pid <= 0) return;
  ProcessCheck check = CheckProcess(r.rec.pid, r.rec.start_ticks);
  // Out of descriptors (a connection flood), say: "could not look" is never "exited".
  if (!check.looked && !r.look_failed) {
    LOG_WARN("replica {}: {}; taken as running", r.rec.replica_id, check.why_unknown);
  }
  r.look_failed = !check.looked;
  if (check.alive && r.rec.start_ticks == 0) {  // could not be read at spawn: try again
    r.rec.start_ticks = ProcessStartTicks(r.rec.pid).value_or(0);
    if (r.rec.start_ticks != 0) dirty_ = true;
  }
  if (!check.alive) {
    BuryGroupLocked(r, now);  // its workers may outlive it, holding the GPUs
    std::string words = EngineLastWords(LogPath(r.rec.replica_id));
    std::string when = r.phase == Phase::kStarting ? " before becoming healthy" : " while serving";
    FailLocked(r, "engine " + check.how_it_ended + when + (words.empty() ? "" : ": " + words), now);
    return;
  }
  if (r.phase == Phase::kStarting && now - r.attempt_started >= r.engine.startup_timeout) {
    std::string reason = "engine not healthy after " + Seconds(r.engine.startup_timeout) +
                         " (GET " + r.engine.health.path + " on port " +
                         std::to_string(r.rec.port) + ")";
    RetireProcessLocked(r, now, /*release_slots=*/false);
    FailLocked(r, reason, now);
    return;
  }
  if (!r.probing && now >= r.next_probe) {
    r.probing = true;
    probes.push_back(ProbeFor(r));
  }
}

ProcessRuntime::ProbeJob ProcessRuntime::ProbeFor(const Replica& r) const {
  ProbeJob job;
  job.replica_id = r.rec.replica_id;
  job.generation = r.generation;
  job.port = r.rec.port;
  job.path = r.engine.health.path;
  job.timeout =
      r.engine.health.timeout.count() > 0 ? r.engine.health.timeout : options_.probe_timeout;
  return job;
}

Millis ProcessRuntime::ProbeInterval(const Replica& r) const {
  Millis interval =
      r.engine.health.interval.count() > 0 ? r.engine.health.interval : options_.probe_interval;
  // Starting engines are asked more often, so they are seen ready soon after they are.
  return r.phase == Phase::kStarting ? std::min(interval, Millis(200)) : interval;
}

void ProcessRuntime::ApplyProbe(const ProbeJob& job, SteadyTime now) {
  auto it = replicas_.find(job.replica_id);
  if (it == replicas_.end()) return;
  Replica& r = it->second;
  r.probing = false;
  if (r.generation != job.generation || r.rec.pid <= 0) return;
  if (r.phase != Phase::kStarting && r.phase != Phase::kReady && r.phase != Phase::kUnready) {
    return;
  }
  r.next_probe = now + ProbeInterval(r);
  if (!job.looked) return;  // could not look: neither a pass nor a failure
  if (!job.healthy) {
    ApplyFailedProbeLocked(r, now);
    return;
  }
  if (r.phase != Phase::kReady) {
    LOG_INFO("replica {} of {}: {} on port {} (pid {})", r.rec.replica_id, r.rec.deployed_model,
             r.phase == Phase::kUnready ? "answers again, back in routing" : "ready", r.rec.port,
             r.rec.pid);
    if (r.phase == Phase::kUnready) r.last_error.clear();
    r.phase = Phase::kReady;
    r.ever_ready = true;
    ChangedLocked(r);
  }
  r.failures = 0;
  r.failed_probes = 0;
  r.last_pass = now;
}

// Readiness and liveness: a few failures take a replica out of routing; only failing for the
// whole liveness budget restarts it (a saturated vLLM, SGLang's generating /health are slow,
// not dead). A starting engine is judged by its startup timeout alone.
void ProcessRuntime::ApplyFailedProbeLocked(Replica& r, SteadyTime now) {
  if (r.phase == Phase::kStarting) return;
  ++r.failed_probes;
  int unready_after =
      r.engine.health.unready_after > 0 ? r.engine.health.unready_after : options_.unhealthy_probes;
  Millis budget = r.engine.health.restart_after.count() > 0 ? r.engine.health.restart_after
                                                            : options_.liveness_budget;
  if (r.failed_probes < unready_after) return;
  std::string probe = "GET " + r.engine.health.path + " on port " + std::to_string(r.rec.port);
  if (now - r.last_pass >= budget) {
    std::string reason = "engine stopped answering " + probe + " for " + Seconds(budget) + " (" +
                         std::to_string(r.failed_probes) + " probes in a row failed)";
    RetireProcessLocked(r, now, /*release_slots=*/false);
    FailLocked(r, reason, now);
    return;
  }
  if (r.phase == Phase::kReady) {
    r.phase = Phase::kUnready;
    r.last_error = "out of routing: " + probe + " failed " + std::to_string(r.failed_probes) +
                   " times in a row; restarted if it still fails " + Seconds(budget) +
                   " after its last answer";
    LOG_WARN("replica {} of {}: {}", r.rec.replica_id, r.rec.deployed_model, r.last_error);
    ChangedLocked(r);
  }
}

void ProcessRuntime::PrepareSpawnLocked(Replica& r, SteadyTime now, std::vector<SpawnJob>& spawns) {
  StatusOr<int> port = PickFreePort(PortsInUseLocked(), engine_ports_);
  if (!port.ok()) {
    FailLocked(r, "cannot start engine: " + port.status().message(), now);
    return;
  }
  TemplateValues values;
  values.port = *port;
  values.served_model_name = r.rec.deployed_model;
  values.model_name = r.rec.model_name;
  values.model_path = r.engine.model_path;
  values.gpus = JoinIndices(r.rec.slots);
  values.units = r.rec.units;
  values.replica_id = r.rec.replica_id;
  StatusOr<ExpandedCommand> command = ExpandCommand(r.engine.command, r.engine.env, values);
  if (!command.ok()) {
    FailLocked(r, "bad engine template: " + command.status().message(), now);
    return;
  }
  if (r.generation > 0) ++r.rec.restarts;
  ++r.generation;
  r.rec.pid = 0;  // until RunSpawns records it; the supervisor leaves the replica alone
  r.rec.port = *port;
  r.rec.command = command->argv;
  r.phase = Phase::kStarting;
  r.attempt_started = now;
  r.next_probe = now;
  r.failed_probes = 0;
  r.last_pass = now;
  spawns.push_back({r.rec, r.generation, {command->argv, command->env, LogPath(r.rec.replica_id)}});
}

void ProcessRuntime::RunSpawns(std::vector<SpawnJob>& spawns) {
  if (spawns.empty()) return;
  for (SpawnJob& job : spawns) {
    bool restart = job.generation > 1;
    AppendLogLine(job.request.log_path,
                  (restart ? "restart: " : "start: ") + JoinArgv(job.request.argv));
    job.result = SpawnProcess(job.request);
    if (!job.result.ok()) AppendLogLine(job.request.log_path, job.result.status().message());
  }
  std::lock_guard lock(mu_);
  SteadyTime now = clock_.MonotonicNow();
  for (const SpawnJob& job : spawns) ApplySpawnLocked(job, now);
}

void ProcessRuntime::ApplySpawnLocked(const SpawnJob& job, SteadyTime now) {
  auto it = replicas_.find(job.rec.replica_id);
  if (it == replicas_.end() || it->second.generation != job.generation) {
    // Stopped while it was being spawned: this process goes at once (its units are free).
    if (!job.result.ok()) return;
    Dying d;
    d.rec = job.rec;
    d.rec.pid = d.rec.pgid = job.result->pid;
    d.rec.start_ticks = job.result->start_ticks;
    d.rec.slots.clear();
    d.rec.stopping = true;
    d.term_at = now;
    // Not serving yet: nothing to drain, so its group follows its main process at once.
    dying_.push_back(std::move(d));
    dirty_ = true;
    return;
  }
  Replica& r = it->second;
  if (!job.result.ok()) {
    FailLocked(r, "cannot start engine: " + job.result.status().message(), now);
    return;
  }
  r.rec.pid = job.result->pid;
  r.rec.pgid = job.result->pid;
  r.rec.start_ticks = job.result->start_ticks;
  dirty_ = true;
  ChangedLocked(r);
  LOG_INFO("replica {} of {}: pid {} on port {}{}", r.rec.replica_id, r.rec.deployed_model,
           r.rec.pid, r.rec.port,
           r.rec.restarts > 0 ? " (restart " + std::to_string(r.rec.restarts) + ")" : "");
}

void ProcessRuntime::FailLocked(Replica& r, const std::string& reason, SteadyTime now) {
  ++r.failures;
  r.last_error = reason;
  r.rec.pid = 0;
  r.rec.port = 0;
  r.probing = false;
  dirty_ = true;
  ChangedLocked(r);
  // An engine that never served is most likely misconfigured: give up after a few tries. One
  // that did serve may be having a bad moment: keep trying, backing off up to backoff_max.
  if (!r.ever_ready && r.failures >= options_.max_start_tries) {
    r.phase = Phase::kFailed;
    r.last_error += " (gave up after " + std::to_string(r.failures) +
                    " tries; log: " + LogPath(r.rec.replica_id) + ")";
    ReleaseSlotsLocked(r);
    LOG_WARN("replica {} of {}: {}", r.rec.replica_id, r.rec.deployed_model, r.last_error);
    return;
  }
  int shift = std::min(r.failures - 1, 16);
  Millis wait = std::min(options_.backoff_max, options_.backoff_base * (int64_t{1} << shift));
  r.phase = Phase::kBackoff;
  r.restart_at = now + wait;
  LOG_WARN("replica {} of {}: {}; restarting in {}", r.rec.replica_id, r.rec.deployed_model, reason,
           Seconds(wait));
}

}  // namespace berth
