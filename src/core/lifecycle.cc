#include "core/lifecycle.h"

namespace berth {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kScale:
      return "scale";
    case Operation::kUpdateLimits:
      return "update";
    case Operation::kUpdateOverflow:
      return "update-overflowstrategy";
    case Operation::kStop:
      return "stop";
    case Operation::kStart:
      return "start";
    case Operation::kDelete:
      return "delete";
  }
  return "?";
}

Status CheckOperation(Operation op, const Deployment& d) {
  // Deleting is final: only a repeated delete is accepted (and changes nothing).
  bool allowed = d.desired != DesiredState::kDeleted || op == Operation::kDelete;
  if (allowed) return Status::Ok();
  return FailedPrecondition("Deployment " + d.deployed_model + " is " +
                            std::string(StatusName(d.status)) + "; " +
                            std::string(OperationName(op)) + " is not allowed");
}

void ApplyScaled(Deployment& d, int old_capacity) {
  d.fail_reason.clear();
  switch (d.status) {
    case DeploymentStatus::kRunning:
    case DeploymentStatus::kUpdatingFailed:
      if (d.capacity != old_capacity || d.status == DeploymentStatus::kUpdatingFailed) {
        d.status = DeploymentStatus::kUpdating;
      }
      break;
    case DeploymentStatus::kFailed:
      d.status = DeploymentStatus::kPending;  // a new capacity is a new attempt
      break;
    default:  // PENDING stays PENDING, UPDATING stays UPDATING, STOPPED keeps the new target
      break;
  }
}

void ApplyStop(Deployment& d) {
  d.desired = DesiredState::kStopped;
  d.status = DeploymentStatus::kStopped;
  d.fail_reason.clear();
}

void ApplyStart(Deployment& d) {
  if (d.status != DeploymentStatus::kStopped && d.status != DeploymentStatus::kFailed) return;
  d.desired = DesiredState::kRunning;
  d.status = DeploymentStatus::kPending;
  d.fail_reason.clear();
}

void ApplyDelete(Deployment& d) {
  d.desired = DesiredState::kDeleted;
  d.status = DeploymentStatus::kDeleting;
}

int TargetReplicas(const Deployment& d) {
  if (d.status == DeploymentStatus::kFailed) return 0;
  return d.DesiredReplicas();
}

bool MayStartReplicas(const Deployment& d) {
  return d.desired == DesiredState::kRunning && d.status != DeploymentStatus::kFailed &&
         d.status != DeploymentStatus::kUpdatingFailed;
}

void ApplyObservation(const Observation& o, Deployment& d) {
  d.ready_capacity = o.ready_replicas * d.base_capacity;
  if (d.desired == DesiredState::kDeleted) {
    d.status = DeploymentStatus::kDeleting;
    return;
  }
  if (d.desired == DesiredState::kStopped) {
    d.status = DeploymentStatus::kStopped;
    return;
  }
  if (d.status == DeploymentStatus::kFailed) return;
  if (!o.failure.empty()) {
    if (d.status == DeploymentStatus::kPending) d.status = DeploymentStatus::kFailed;
    if (d.status == DeploymentStatus::kUpdating) d.status = DeploymentStatus::kUpdatingFailed;
    if (d.status != DeploymentStatus::kRunning) d.fail_reason = o.failure;
    return;
  }
  int target = TargetReplicas(d);
  if (o.ready_replicas == target && o.live_replicas == target) {
    d.status = DeploymentStatus::kRunning;
    d.fail_reason.clear();
  }
}

}  // namespace berth
