#include "service/deployment_service.h"

#include <algorithm>

#include "common/random.h"

namespace berth {
namespace {

constexpr int kMaxWriteAttempts = 8;

std::string CapacityText(const Deployment& d) {
  if (d.plan == Plan::kPtu && d.ptu_capacity) {
    return "input_tpm " + std::to_string(d.ptu_capacity->input_tpm) + ", output_tpm " +
           std::to_string(d.ptu_capacity->output_tpm);
  }
  return "capacity " + std::to_string(d.capacity);
}

std::string LimitText(const std::optional<int64_t>& limit) {
  return limit ? std::to_string(*limit) : "none";
}

}  // namespace

Status ModelNotFound(const std::string& id) { return NotFound("Model: " + id + " not found!"); }

DeploymentService::DeploymentService(Store& store, ModelRegistry& models, ReconcileTrigger& trigger,
                                     const Clock& clock, PtuSizingFor ptu_sizing,
                                     ReplicaReader* replicas)
    : store_(store),
      models_(models),
      trigger_(trigger),
      clock_(clock),
      ptu_sizing_(std::move(ptu_sizing)),
      replicas_(replicas) {}

PtuSizing DeploymentService::SizingFor(const std::string& model_name,
                                       const std::string& base_model) const {
  return ptu_sizing_ ? ptu_sizing_(model_name, base_model) : PtuSizing{};
}

StatusOr<Deployment> DeploymentService::Create(const Caller& caller,
                                               const CreateDeploymentRequest& request) {
  if (!request.model_name) return InvalidArgument("model_name is required");
  // Held until the deployment is written, so its custom model cannot be unregistered meanwhile.
  std::shared_lock keep_model = models_.KeepModels();
  std::optional<CatalogModel> model = models_.Find(*request.model_name);
  if (!model) return ModelNotFound(*request.model_name);
  CreateContext context{caller.workspace_id, caller.key_id, clock_.Now(),
                        SizingFor(model->model_name, model->base_model)};
  ASSIGN_OR_RETURN(Deployment d, BuildDeployment(request, *model, context));
  d.uid = RandomHex(16);
  d.version = 1;
  Status created = store_.CreateDeployment(
      d, MakeEvent(d, "Created", "plan " + std::string(PlanName(d.plan)) + ", " + CapacityText(d),
                   caller.key_id, d.created));
  if (created.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("Deployed model " + d.deployed_model +
                         " already exists, please specify a suffix.");
  }
  RETURN_IF_ERROR(created);
  trigger_.Trigger(d.deployed_model);
  return d;
}

StatusOr<DeploymentPage> DeploymentService::List(const Caller& caller, ListDeploymentsQuery query) {
  query.workspace_id = caller.workspace_id;
  return store_.ListDeployments(query);
}

StatusOr<Deployment> DeploymentService::Get(const Caller& caller, const std::string& id) {
  StatusOr<Deployment> d = store_.GetDeployment(id);
  if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
  // Another workspace's deployment answers exactly like a missing one: existence must not leak.
  if (!d.ok() || d->workspace_id != caller.workspace_id) return ModelNotFound(id);
  return d;
}

StatusOr<Deployment> DeploymentService::Mutate(const Caller& caller, const std::string& id,
                                               Operation op, const std::string& event_type,
                                               const Change& change) {
  std::lock_guard turn(write_locks_[std::hash<std::string>{}(id) % write_locks_.size()]);
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    ASSIGN_OR_RETURN(Deployment d, Get(caller, id));
    RETURN_IF_ERROR(CheckOperation(op, d));
    ASSIGN_OR_RETURN(std::string message, change(d));
    if (message.empty()) return d;  // already in the asked-for state: nothing to write
    d.modifier = caller.key_id;
    d.modified = clock_.Now();
    Status written =
        store_.UpdateDeployment(d, {MakeEvent(d, event_type, message, caller.key_id, d.modified)});
    if (written.code() == StatusCode::kAborted) continue;  // someone else wrote first: re-read
    if (written.code() == StatusCode::kNotFound) return ModelNotFound(id);  // deleted meanwhile
    RETURN_IF_ERROR(written);
    trigger_.Trigger(d.deployed_model);
    ++d.version;
    return d;
  }
  return Aborted("deployment " + id + " is being modified concurrently; try again");
}

StatusOr<Deployment> DeploymentService::Scale(const Caller& caller, const std::string& id,
                                              const ScaleDeploymentRequest& request) {
  return Mutate(caller, id, Operation::kScale, "Scaled",
                [&](Deployment& d) -> StatusOr<std::string> {
                  std::string before = CapacityText(d);
                  int old_capacity = d.capacity;
                  RETURN_IF_ERROR(ApplyScale(request, SizingFor(d.model_name, d.base_model), d));
                  ApplyScaled(d, old_capacity);
                  return before + " -> " + CapacityText(d);
                });
}

StatusOr<Deployment> DeploymentService::UpdateLimits(const Caller& caller, const std::string& id,
                                                     const UpdateLimitsRequest& request) {
  return Mutate(caller, id, Operation::kUpdateLimits, "LimitsUpdated",
                [&](Deployment& d) -> StatusOr<std::string> {
                  RETURN_IF_ERROR(ApplyLimits(request, d));
                  return "rpm_limit " + LimitText(d.rpm_limit) + ", tpm_limit " +
                         LimitText(d.tpm_limit);
                });
}

StatusOr<Deployment> DeploymentService::UpdateOverflowStrategy(const Caller& caller,
                                                               const std::string& id,
                                                               const std::string& strategy) {
  if (strategy != "enable" && strategy != "disable") {
    return InvalidArgument("overflow_strategy must be \"enable\" or \"disable\", got \"" +
                           strategy + "\"");
  }
  return Mutate(caller, id, Operation::kUpdateOverflow, "OverflowStrategyUpdated",
                [&](Deployment& d) -> StatusOr<std::string> {
                  if (d.plan != Plan::kPtu) {
                    return InvalidArgument("overflow_strategy applies only to plan ptu");
                  }
                  d.overflow_strategy = strategy;
                  return "overflow_strategy " + strategy;
                });
}

StatusOr<Deployment> DeploymentService::Stop(const Caller& caller, const std::string& id) {
  return Mutate(caller, id, Operation::kStop, "Stopped",
                [&](Deployment& d) -> StatusOr<std::string> {
                  if (d.desired == DesiredState::kStopped) return std::string();
                  ApplyStop(d);
                  return std::string("stop requested");
                });
}

StatusOr<Deployment> DeploymentService::Start(const Caller& caller, const std::string& id) {
  return Mutate(
      caller, id, Operation::kStart, "Started", [&](Deployment& d) -> StatusOr<std::string> {
        if (d.desired == DesiredState::kRunning && d.status != DeploymentStatus::kFailed) {
          return std::string();
        }
        ApplyStart(d);
        return std::string("start requested");
      });
}

StatusOr<Deployment> DeploymentService::Delete(const Caller& caller, const std::string& id) {
  return Mutate(caller, id, Operation::kDelete, "DeleteRequested",
                [&](Deployment& d) -> StatusOr<std::string> {
                  if (d.desired == DesiredState::kDeleted) return std::string();
                  ApplyDelete(d);
                  return std::string("delete requested");
                });
}

StatusOr<std::vector<DeploymentEvent>> DeploymentService::Events(const Caller& caller,
                                                                 const std::string& id) {
  StatusOr<Deployment> d = Get(caller, id);
  if (d.ok()) return store_.ListEvents(d->uid);
  if (d.status().code() != StatusCode::kNotFound) return d.status();
  // A deleted deployment's record is gone, but its incarnation and events are kept: answer the
  // events of the latest incarnation of that name in the caller's workspace.
  ASSIGN_OR_RETURN(
      std::vector<Incarnation> incarnations,
      store_.ListIncarnations(caller.workspace_id, SystemTime::min(), SystemTime::max()));
  for (auto it = incarnations.rbegin(); it != incarnations.rend(); ++it) {
    if (it->deployed_model == id) return store_.ListEvents(it->uid);
  }
  return d.status();
}

StatusOr<UsageSummary> DeploymentService::Usage(const Caller& caller, const std::string& id,
                                                SystemTime start, SystemTime end) {
  ASSIGN_OR_RETURN(Deployment d, Get(caller, id));
  ASSIGN_OR_RETURN(std::vector<UsageHour> hours, store_.SumUsageByHour({id, d.uid, start, end}));
  return SummarizeHours(std::move(hours));
}

StatusOr<std::map<DeploymentStatus, int64_t>> DeploymentService::CountByStatus() {
  return store_.CountDeploymentsByStatus();
}

StatusOr<std::vector<ReplicaInfo>> DeploymentService::Replicas(const Caller& caller,
                                                               const std::string& id) {
  ASSIGN_OR_RETURN(Deployment d, Get(caller, id));
  if (!replicas_) return std::vector<ReplicaInfo>();
  return replicas_->Replicas(d.uid);
}

std::string DeploymentService::WaitingReason(const Deployment& d) {
  return replicas_ ? replicas_->WaitingReason(d.deployed_model) : "";
}

StatusOr<LogTail> DeploymentService::ReplicaLog(const Caller& caller, const std::string& id,
                                                const std::string& replica_id, size_t max_bytes) {
  ASSIGN_OR_RETURN(std::vector<ReplicaInfo> replicas, Replicas(caller, id));
  bool found = std::any_of(replicas.begin(), replicas.end(),
                           [&](const ReplicaInfo& r) { return r.replica_id == replica_id; });
  if (!found) return NotFound("deployment " + id + " has no replica " + replica_id);
  return replicas_->ReplicaLogTail(replica_id, max_bytes);
}

}  // namespace berth
