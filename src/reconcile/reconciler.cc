#include "reconcile/reconciler.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "common/log.h"
#include "common/thread_name.h"
#include "core/lifecycle.h"
#include "core/replica_plan.h"

namespace berth {
namespace {

constexpr char kActor[] = "reconciler";
using Again = std::optional<Millis>;  // when to look again; nullopt: converged

ReplicaSpec SpecFor(const Deployment& d) {
  ReplicaSpec spec;
  spec.deployment_uid = d.uid;
  spec.deployed_model = d.deployed_model;
  spec.model_name = d.model_name;
  spec.base_model = d.base_model;
  spec.plan = d.plan;
  spec.unit_spec = d.model_unit_spec;
  spec.units = d.base_capacity;
  return spec;
}

// A lora deployment has no replicas of its own: it is one adapter on its base model's pool,
// live while attached and ready when every pool replica serves it.
Observation ObserveAdapter(const std::vector<ReplicaInfo>& pool) {
  Observation o;
  if (pool.empty()) return o;
  o.live_replicas = 1;
  bool all_ready = true;
  for (const ReplicaInfo& r : pool) {
    if (r.state == ReplicaState::kFailed && o.failure.empty()) {
      o.failure = r.last_error.empty() ? "pool replica failed" : r.last_error;
    }
    all_ready = all_ready && r.state == ReplicaState::kReady;
  }
  o.ready_replicas = all_ready ? 1 : 0;
  return o;
}

Observation Observe(const Deployment& d, const std::vector<ReplicaInfo>& replicas) {
  if (d.plan == Plan::kLora) return ObserveAdapter(replicas);
  Observation o;
  for (const ReplicaInfo& r : replicas) {
    if (r.state == ReplicaState::kFailed) {
      if (o.failure.empty()) o.failure = r.last_error.empty() ? "replica failed" : r.last_error;
      continue;
    }
    ++o.live_replicas;
    if (r.state == ReplicaState::kReady) ++o.ready_replicas;
  }
  return o;
}

bool Converged(const Deployment& d, const Observation& o) {
  switch (d.status) {
    case DeploymentStatus::kPending:
    case DeploymentStatus::kUpdating:
    case DeploymentStatus::kDeleting:
      return false;
    default:
      return o.live_replicas == TargetReplicas(d) && o.ready_replicas == o.live_replicas;
  }
}

}  // namespace

Reconciler::Reconciler(Store& store, RuntimeAdapter& runtime, const Clock& clock,
                       ReconcilerOptions options)
    : store_(store), runtime_(runtime), clock_(clock), options_(options), queue_(clock) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  ResyncOnce(false);
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this] {
      NameThisThread("berth-reconcile");
      WorkerLoop();
    });
  }
  threads_.emplace_back([this] {
    NameThisThread("berth-resync");
    ResyncLoop();
  });
}

void Reconciler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  queue_.ShutDown();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Reconciler::Trigger(const std::string& deployed_model) { queue_.Add(deployed_model); }

StatusOr<std::vector<ReplicaInfo>> Reconciler::Replicas(const std::string& deployment_uid) {
  return runtime_.ListReplicas(deployment_uid);
}

StatusOr<LogTail> Reconciler::ReplicaLogTail(const std::string& replica_id, size_t max_bytes) {
  return runtime_.ReplicaLogTail(replica_id, max_bytes);
}

void Reconciler::WorkerLoop() {
  while (std::optional<std::string> id = queue_.Get()) {
    StatusOr<std::optional<Millis>> result = Reconcile(*id);
    Millis again{-1};
    {
      std::lock_guard lock(mu_);
      if (result.ok()) {
        failures_.erase(*id);
        if (*result) again = **result;
      } else {
        int n = ++failures_[*id];
        again = std::min(options_.retry_max, options_.retry_base * (1 << std::min(n - 1, 10)));
        if (options_.leading && !options_.leading()) {
          LOG_DEBUG("reconcile {} refused here (another instance leads): {}", *id,
                    result.status().ToString());
        } else {
          LOG_WARN("reconcile {} failed (attempt {}): {}", *id, n, result.status().ToString());
        }
      }
    }
    if (again.count() >= 0) queue_.AddAfter(*id, again);
    queue_.Done(*id);
  }
}

void Reconciler::ResyncLoop() {
  std::unique_lock lock(mu_);
  Millis wait = options_.resync_period;
  while (!stop_cv_.wait_for(lock, wait, [this] { return stopping_; })) {
    lock.unlock();
    wait = ResyncOnce(true);
    lock.lock();
  }
}

Millis Reconciler::ResyncOnce(bool paced) {
  // Replicas first: one listed before the deployments can be an orphan only if its deployment is
  // missing from the later list. The other order would stop the first replica of a deployment
  // created between the two reads.
  StatusOr<std::vector<ReplicaInfo>> replicas = runtime_.ListAllReplicas();
  StatusOr<std::vector<Deployment>> all = store_.ListAllDeployments();
  if (!all.ok()) {
    LOG_WARN("resync: cannot list deployments: {}", all.status().ToString());
    return options_.resync_period;
  }
  const int64_t n = static_cast<int64_t>(all->size());
  Millis span = options_.resync_period;
  if (paced && options_.resync_per_second > 0) {
    span = std::max(span, Millis(n * 1000 / options_.resync_per_second));
  }
  if (paced) {
    std::vector<std::string> ids;
    ids.reserve(all->size());
    for (const Deployment& d : *all) ids.push_back(d.deployed_model);
    queue_.AddBackgroundSpread(ids, span);
  } else {
    for (const Deployment& d : *all) queue_.Add(d.deployed_model);
  }
  // A list that failed says nothing about which replicas exist: stop none.
  Status orphans = replicas.ok() ? StopOrphans(*replicas, *all) : replicas.status();
  if (!orphans.ok()) LOG_WARN("resync: {}", orphans.ToString());
  return span;
}

Status Reconciler::StopOrphans() {
  // Replicas first (see ResyncOnce).
  ASSIGN_OR_RETURN(std::vector<ReplicaInfo> replicas, runtime_.ListAllReplicas());
  ASSIGN_OR_RETURN(std::vector<Deployment> all, store_.ListAllDeployments());
  return StopOrphans(replicas, all);
}

Status Reconciler::StopOrphans(const std::vector<ReplicaInfo>& replicas,
                               const std::vector<Deployment>& all) {
  std::unordered_set<std::string> live_uids;
  live_uids.reserve(all.size());
  for (const Deployment& d : all) live_uids.insert(d.uid);
  for (const ReplicaInfo& r : replicas) {
    if (live_uids.count(r.deployment_uid)) continue;
    if (!r.pool.empty()) {
      LOG_INFO("detaching the orphan adapter of deployment uid {} from pool {}", r.deployment_uid,
               r.pool);
      RETURN_IF_ERROR(runtime_.DetachAdapter(r.deployment_uid));
      continue;
    }
    LOG_INFO("stopping orphan replica {} of deployment uid {}", r.replica_id, r.deployment_uid);
    RETURN_IF_ERROR(runtime_.StopReplica(r.replica_id));
  }
  return Status::Ok();
}

StatusOr<std::optional<Millis>> Reconciler::Reconcile(const std::string& deployed_model) {
  StatusOr<Deployment> loaded = store_.GetDeployment(deployed_model);
  if (!loaded.ok() && loaded.status().code() == StatusCode::kNotFound) {
    if (options_.routes) options_.routes->Withdraw(deployed_model);
    return Again();
  }
  ASSIGN_OR_RETURN(Deployment d, std::move(loaded));

  // A failure is judged on the replicas as found, before the plan stops the failed ones, and
  // decides the status the plan works towards (a FAILED deployment keeps no replicas).
  // A list that fails is "unknown", not "none": the pass acts on nothing, writes nothing and
  // leaves the routes as they are, and the worker retries with backoff.
  ASSIGN_OR_RETURN(std::vector<ReplicaInfo> found, runtime_.ListReplicas(d.uid));
  Observation first = Observe(d, found);
  Deployment after = d;
  if (!first.failure.empty()) ApplyObservation(first, after);
  // Stopped or deleted: the gateway stops routing to the replicas before they are stopped, so a
  // request meanwhile is told the deployment's state rather than refused by a dying engine.
  if (options_.routes && d.desired != DesiredState::kRunning && !found.empty()) {
    options_.routes->Publish(d, {});
  }
  Status planned = ApplyPlan(after, found);
  NoteWaiting(d, planned);
  if (!planned.ok()) {
    // What serves now still serves, with the limits as they are now.
    StatusOr<std::vector<ReplicaInfo>> serving = runtime_.ListReplicas(d.uid);
    if (options_.routes && serving.ok()) options_.routes->Publish(d, *serving);
    return planned;
  }
  ASSIGN_OR_RETURN(std::vector<ReplicaInfo> replicas, runtime_.ListReplicas(d.uid));
  Observation observed = Observe(d, replicas);
  observed.failure = first.failure;

  if (d.desired == DesiredState::kDeleted && observed.live_replicas == 0) {
    Deployment gone = d;
    gone.ready_capacity = 0;
    Status deleted =
        store_.DeleteDeployment(d.deployed_model, d.version,
                                MakeEvent(gone, "Deleted", "record removed", kActor, clock_.Now()));
    if (deleted.code() == StatusCode::kAborted) return Again(Millis(0));
    RETURN_IF_ERROR(deleted);
    if (options_.routes) options_.routes->Withdraw(d.deployed_model);
    return Again();
  }

  ApplyObservation(observed, after);
  after.modified = clock_.Now();
  // The route first: a client that reads RUNNING (or a new ready_capacity) finds the gateway
  // already serving those replicas. A write that fails leaves a route that still describes the
  // replicas as they are; the next pass publishes again.
  if (options_.routes) options_.routes->Publish(after, replicas);
  Status written = WriteObservation(d, after);
  if (written.code() == StatusCode::kAborted) return Again(Millis(0));
  RETURN_IF_ERROR(written);
  if (Converged(after, observed)) return Again();
  return Again(options_.converge_poll);
}

Status Reconciler::ApplyPlan(const Deployment& d, const std::vector<ReplicaInfo>& replicas) {
  if (d.plan == Plan::kLora) {
    if (TargetReplicas(d) == 0) return runtime_.DetachAdapter(d.uid);
    return MayStartReplicas(d) ? runtime_.AttachAdapter(SpecFor(d)) : Status::Ok();
  }
  std::vector<ReplicaView> views;
  for (const ReplicaInfo& r : replicas) {
    views.push_back(
        {r.replica_id, r.state == ReplicaState::kReady, r.state == ReplicaState::kFailed});
  }
  ReplicaPlan plan = PlanReplicas(TargetReplicas(d), MayStartReplicas(d), views);
  for (const std::string& id : plan.to_stop) RETURN_IF_ERROR(runtime_.StopReplica(id));
  for (int i = 0; i < plan.to_start; ++i) {
    StatusOr<ReplicaInfo> started = runtime_.StartReplica(SpecFor(d));
    if (!started.ok()) return started.status();
  }
  return Status::Ok();
}

std::string Reconciler::WaitingReason(const std::string& deployed_model) {
  std::lock_guard lock(mu_);
  auto it = waiting_.find(deployed_model);
  return it == waiting_.end() ? "" : it->second;
}

void Reconciler::NoteWaiting(const Deployment& d, const Status& planned) {
  bool waiting = planned.code() == StatusCode::kUnavailable;
  {
    std::lock_guard lock(mu_);
    bool noted = waiting_.count(d.deployed_model) > 0;
    if (!waiting) waiting_.erase(d.deployed_model);
    if (waiting) waiting_[d.deployed_model] = planned.message();  // the latest reason
    if (!waiting || noted) return;
  }
  // Once per wait, so the user sees in the events why the deployment is not progressing.
  Status written = store_.UpdateDeployment(
      d, {MakeEvent(d, "WaitingForCapacity", planned.message(), kActor, clock_.Now())});
  if (!written.ok()) {
    std::lock_guard lock(mu_);
    waiting_.erase(d.deployed_model);  // try again on the next pass
  }
}

Status Reconciler::WriteObservation(const Deployment& before, const Deployment& after) {
  bool status_changed = after.status != before.status;
  if (!status_changed && after.ready_capacity == before.ready_capacity &&
      after.fail_reason == before.fail_reason) {
    return Status::Ok();
  }
  std::string progress = "ready_capacity " + std::to_string(after.ready_capacity) + "/" +
                         std::to_string(after.capacity);
  std::string message = status_changed ? std::string(StatusName(before.status)) + " -> " +
                                             std::string(StatusName(after.status)) + ", " + progress
                                       : progress;
  if (!after.fail_reason.empty()) message += ": " + after.fail_reason;
  const char* type = status_changed ? "StatusChanged" : "ReadyCapacityChanged";
  return store_.UpdateDeployment(after, {MakeEvent(after, type, message, kActor, clock_.Now())});
}

}  // namespace berth
