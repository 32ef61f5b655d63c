#include "runtime/process/process_runtime.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "common/log.h"
#include "common/random.h"
#include "common/thread_name.h"

namespace berth {
namespace {

constexpr char kStateFile[] = "state.json";
// A deployment that has not asked for room for this long has stopped waiting (stopped,
// deleted, or placed): its next unplaceable start waits afresh.
constexpr Millis kUnplaceableForget{60000};

std::string FormatWait(Millis wait) {
  int64_t s = wait.count() / 1000;
  if (s >= 60 && s % 60 == 0) return std::to_string(s / 60) + "m";
  if (s >= 1) return std::to_string(s) + "s";
  return std::to_string(wait.count()) + "ms";
}

}  // namespace

ProcessRuntime::ProcessRuntime(ProcessRuntimeOptions options, EnginesConfig engines,
                               std::unique_ptr<EngineClient> probe, const Clock& clock)
    : options_(std::move(options)),
      engines_(std::move(engines)),
      probe_(std::move(probe)),
      clock_(clock),
      engine_ports_(EnginePortRange()),
      probe_pool_(std::make_unique<ThreadPool>("berth-probe", std::max(1, options_.probe_threads))),
      adapter_pool_(
          std::make_unique<ThreadPool>("berth-adapters", std::max(1, options_.adapter_threads))),
      placement_(options_.units) {}

StatusOr<std::unique_ptr<ProcessRuntime>> ProcessRuntime::Open(ProcessRuntimeOptions options,
                                                               EnginesConfig engines,
                                                               std::unique_ptr<EngineClient> probe,
                                                               const Clock& clock) {
  std::unique_ptr<ProcessRuntime> runtime(
      new ProcessRuntime(std::move(options), std::move(engines), std::move(probe), clock));
  std::error_code ec;
  std::filesystem::create_directories(runtime->ReplicasDir(), ec);
  if (ec) return Internal("cannot create " + runtime->ReplicasDir() + ": " + ec.message());
  std::string state = runtime->ReplicasDir() + "/" + kStateFile;
  StatusOr<std::vector<ReplicaRecord>> records = LoadReplicaRecords(state);
  if (!records.ok()) {
    // Keep the unreadable file for a person to look at; its engines cannot be adopted.
    std::string kept = state + ".unreadable-" + std::to_string(ToUnixMillis(clock.Now()));
    std::filesystem::rename(state, kept, ec);
    LOG_ERROR("{}; moved to {}, its engines will not be adopted", records.status().ToString(),
              kept);
    records = std::vector<ReplicaRecord>{};
  }
  runtime->Adopt(std::move(*records));
  runtime->Persist();
  runtime->supervisor_ = std::thread([r = runtime.get()] {
    NameThisThread("berth-supervise");
    r->SupervisorLoop();
  });
  return runtime;
}

ProcessRuntime::~ProcessRuntime() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  // Engine calls under way finish (within their timeouts) before what they use goes away;
  // queued ones see stopping_ and return at once.
  probe_pool_.reset();
  adapter_pool_.reset();
  Persist();
}

std::string ProcessRuntime::ReplicasDir() const { return options_.data_dir + "/replicas"; }

std::string ProcessRuntime::LogPath(const std::string& replica_id) const {
  return ReplicasDir() + "/" + replica_id + ".log";
}

std::string ProcessRuntime::NewReplicaId(const std::string& deployed_model) const {
  std::string id;
  for (char c : deployed_model.substr(0, 64)) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
    id += safe ? c : '-';
  }
  return (id.empty() ? "replica" : id) + "-" + RandomHex(6);
}

StatusOr<ReplicaInfo> ProcessRuntime::StartReplica(const ReplicaSpec& spec) {
  std::vector<SpawnJob> spawns;
  StatusOr<ReplicaInfo> started = [&] {
    std::lock_guard lock(mu_);
    return StartLocked(spec, spawns);
  }();
  RunSpawns(spawns);
  if (started.ok() && !spawns.empty()) {  // show the process it now has
    std::lock_guard lock(mu_);
    auto it = replicas_.find(started->replica_id);
    if (it != replicas_.end()) started = InfoLocked(it->second);
  }
  Persist();
  cv_.notify_all();
  return started;
}

StatusOr<ReplicaInfo> ProcessRuntime::StartLocked(const ReplicaSpec& spec,
                                                  std::vector<SpawnJob>& spawns) {
  if (stopping_) return Unavailable("the process runtime is shutting down");
  StatusOr<std::vector<int>> slots = placement_.Take(spec.unit_spec, spec.units);
  if (!slots.ok()) return UnplaceableLocked(spec, slots.status());
  unplaceable_.erase(spec.deployment_uid);

  Replica r;
  r.rec.replica_id = NewReplicaId(spec.deployed_model);
  r.rec.deployment_uid = spec.deployment_uid;
  r.rec.deployed_model = spec.deployed_model;
  r.rec.model_name = spec.model_name;
  r.rec.base_model = spec.base_model;
  r.rec.plan = std::string(PlanName(spec.plan));
  r.rec.unit_spec = spec.unit_spec;
  r.rec.units = spec.units;
  r.rec.slots = std::move(*slots);
  r.rec.started_ms = ToUnixMillis(clock_.Now());
  r.engine = engines_.Resolve(spec.model_name, spec.base_model);
  if (IsPoolReplica(r.rec)) r.engine = PoolTemplate(r.engine);
  r.seq = next_seq_++;
  Replica& added = replicas_[r.rec.replica_id] = std::move(r);
  LOG_INFO("replica {} of {}: starting with engine \"{}\"", added.rec.replica_id,
           spec.deployed_model, added.engine.match);
  PrepareSpawnLocked(added, clock_.MonotonicNow(), spawns);
  dirty_ = true;
  return InfoLocked(added);
}

StatusOr<ReplicaInfo> ProcessRuntime::UnplaceableLocked(const ReplicaSpec& spec,
                                                        const Status& why) {
  SteadyTime now = clock_.MonotonicNow();
  auto [it, fresh] = unplaceable_.try_emplace(spec.deployment_uid, Unplaceable{now, now});
  if (!fresh && now - it->second.last_try > kUnplaceableForget) it->second.since = now;
  it->second.last_try = now;
  bool never = why.code() == StatusCode::kResourceExhausted;
  if (!never && now - it->second.since < options_.placement_timeout) {
    return Unavailable(why.message() + " (waiting up to " + FormatWait(options_.placement_timeout) +
                       " for room)");
  }
  // Report a failed replica without a process: the reconciler fails the deployment with its
  // last_error and stops (forgets) it.
  unplaceable_.erase(it);
  Replica r;
  r.rec.replica_id = NewReplicaId(spec.deployed_model);
  r.rec.deployment_uid = spec.deployment_uid;
  r.rec.deployed_model = spec.deployed_model;
  r.rec.model_name = spec.model_name;
  r.rec.started_ms = ToUnixMillis(clock_.Now());
  r.phase = Phase::kFailed;
  r.seq = next_seq_++;
  r.last_error = "cannot place replica: " + why.message();
  if (!never) r.last_error += " for " + FormatWait(options_.placement_timeout);
  LOG_WARN("replica {} of {}: {}", r.rec.replica_id, spec.deployed_model, r.last_error);
  Replica& added = replicas_[r.rec.replica_id] = std::move(r);
  return InfoLocked(added);
}

Status ProcessRuntime::StopReplica(const std::string& replica_id) {
  {
    std::lock_guard lock(mu_);
    StopLocked(replica_id);
  }
  Persist();
  cv_.notify_all();
  return Status::Ok();
}

void ProcessRuntime::StopLocked(const std::string& replica_id) {
  auto it = replicas_.find(replica_id);
  if (it == replicas_.end()) return;
  Replica& r = it->second;
  // Only a serving engine can have requests in flight; the others go at once.
  SteadyTime term_at = clock_.MonotonicNow();
  if (r.phase == Phase::kReady || r.phase == Phase::kUnready) term_at += options_.drain_grace;
  LOG_INFO("replica {} of {}: stopping (pid {})", replica_id, r.rec.deployed_model, r.rec.pid);
  RetireProcessLocked(r, term_at, /*release_slots=*/true);
  replicas_.erase(it);
  dirty_ = true;
}

StatusOr<std::vector<ReplicaInfo>> ProcessRuntime::ListReplicas(const std::string& deployment_uid) {
  std::lock_guard lock(mu_);
  return ListLocked(&deployment_uid);
}

StatusOr<std::vector<ReplicaInfo>> ProcessRuntime::ListAllReplicas() {
  std::lock_guard lock(mu_);
  return ListLocked(nullptr);
}

StatusOr<LogTail> ProcessRuntime::ReplicaLogTail(const std::string& replica_id, size_t max_bytes) {
  {
    std::lock_guard lock(mu_);
    if (!replicas_.count(replica_id)) return NotFound("no replica " + replica_id);
  }
  return ReadLogTail(LogPath(replica_id), max_bytes);
}

std::vector<ReplicaInfo> ProcessRuntime::ListLocked(const std::string* deployment_uid) const {
  std::vector<ReplicaInfo> out;
  ListPoolViewsLocked(deployment_uid, out);
  // An attached lora deployment has no replicas of its own.
  if (deployment_uid != nullptr && !out.empty()) return out;
  std::vector<const Replica*> found;
  for (const auto& [id, r] : replicas_) {
    if (IsPoolReplica(r.rec)) continue;  // listed above, as seen by each deployment they serve
    if (deployment_uid == nullptr || r.rec.deployment_uid == *deployment_uid) found.push_back(&r);
  }
  std::sort(found.begin(), found.end(), [](const Replica* a, const Replica* b) {
    return std::tie(a->rec.started_ms, a->seq) < std::tie(b->rec.started_ms, b->seq);
  });
  for (const Replica* r : found) out.push_back(InfoLocked(*r));
  return out;
}

ReplicaInfo ProcessRuntime::InfoLocked(const Replica& r) const {
  ReplicaInfo info;
  info.replica_id = r.rec.replica_id;
  info.deployment_uid = r.rec.deployment_uid;
  info.state = r.phase == Phase::kReady    ? ReplicaState::kReady
               : r.phase == Phase::kFailed ? ReplicaState::kFailed
                                           : ReplicaState::kStarting;
  info.units = r.rec.units;
  info.started = FromUnixMillis(r.rec.started_ms);
  info.port = r.rec.port;
  info.pid = r.rec.pid;
  info.restarts = r.rec.restarts;
  info.last_error = r.last_error;
  return info;
}

void ProcessRuntime::OnReplicaChange(ChangeCallback callback) {
  std::lock_guard lock(callback_mu_);
  on_change_ = std::move(callback);
}

void ProcessRuntime::SetInFlightProbe(InFlightProbe probe) {
  std::lock_guard lock(mu_);
  in_flight_ = std::move(probe);
}

void ProcessRuntime::StopAll() {
  {
    std::lock_guard lock(mu_);
    SteadyTime now = clock_.MonotonicNow();
    for (auto& [id, r] : replicas_) RetireProcessLocked(r, now, /*release_slots=*/true);
    replicas_.clear();
    pools_.clear();
    attached_.clear();
    unloads_.clear();
    for (Dying& d : dying_) {  // no drain, no grace for the main process
      d.term_at = std::min(d.term_at, now);
      d.stop_grace = Millis(0);
      d.group_term_at = std::min(d.group_term_at, now);
    }
    dirty_ = true;
  }
  Persist();
  cv_.notify_all();
  std::unique_lock lock(mu_);
  // A real wait, not on the clock: it bounds how long this thread blocks (a fake clock never
  // moves by itself), while the kills it waits for follow the clock.
  auto deadline = std::chrono::steady_clock::now() + options_.term_timeout + Millis(2000);
  cv_.wait_until(lock, deadline, [this] { return dying_.empty() || stopping_; });
  if (!dying_.empty()) LOG_WARN("{} engine processes still exit after StopAll", dying_.size());
  lock.unlock();
  // The processes that exited since the first save are gone from the state file when this
  // returns, not when the supervisor's next pass saves it.
  Persist();
}

void ProcessRuntime::FinishStopping(Millis bound) {
  {
    std::lock_guard lock(mu_);
    SteadyTime now = clock_.MonotonicNow();
    for (Dying& d : dying_) d.term_at = std::min(d.term_at, now);
  }
  cv_.notify_all();
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + bound;  // a real wait, as in StopAll
  cv_.wait_until(lock, deadline, [this] { return dying_.empty() || stopping_; });
  size_t left = dying_.size();
  lock.unlock();
  if (left > 0) {
    LOG_WARN("{} stopped engine processes are still exiting; the next start finishes them", left);
  }
  Persist();
}

void ProcessRuntime::Persist() {
  std::vector<ReplicaRecord> records;
  uint64_t version = 0;
  {
    std::lock_guard lock(mu_);
    if (!dirty_) return;
    for (const auto& [id, r] : replicas_) {
      if (r.rec.pid > 0) records.push_back(r.rec);  // only processes need finding again
    }
    for (const Dying& d : dying_) records.push_back(d.rec);
    dirty_ = false;
    version = ++records_version_;
  }
  std::lock_guard save(save_mu_);
  if (version <= saved_version_) return;  // a newer snapshot is on disk already
  Status saved = SaveReplicaRecords(ReplicasDir() + "/" + kStateFile, records);
  if (saved.ok()) {
    saved_version_ = version;
    return;
  }
  LOG_ERROR("cannot save replica state (engines may not be adopted after a restart): {}",
            saved.ToString());
  std::lock_guard lock(mu_);
  dirty_ = true;  // the next tick tries again
}

void ProcessRuntime::ChangedLocked(const Replica& r) {
  if (!IsPoolReplica(r.rec)) {
    changed_.insert(r.rec.deployed_model);
    return;
  }
  auto pool = pools_.find(r.rec.base_model);
  if (pool == pools_.end()) return;
  for (const auto& [uid, adapter] : pool->second.adapters) changed_.insert(adapter.deployed_model);
}

std::set<int> ProcessRuntime::PortsInUseLocked() const {
  std::set<int> ports;
  for (const auto& [id, r] : replicas_) {
    if (r.rec.port > 0) ports.insert(r.rec.port);
  }
  for (const Dying& d : dying_) ports.insert(d.rec.port);
  return ports;
}

}  // namespace berth
