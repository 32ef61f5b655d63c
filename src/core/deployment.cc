#include "core/deployment.h"

#include <array>
#include <utility>

namespace berth {
namespace {

constexpr std::array<std::pair<Plan, std::string_view>, 4> kPlans = {{
    {Plan::kMu, "mu"},
    {Plan::kPtu, "ptu"},
    {Plan::kLora, "lora"},
    {Plan::kCu, "cu"},
}};

const std::vector<std::pair<DeploymentStatus, std::string_view>>& StatusTable() {
  static const std::vector<std::pair<DeploymentStatus, std::string_view>> table = {
      {DeploymentStatus::kPending, "PENDING"},
      {DeploymentStatus::kRunning, "RUNNING"},
      {DeploymentStatus::kUpdating, "UPDATING"},
      {DeploymentStatus::kUpdatingFailed, "UPDATING_FAILED"},
      {DeploymentStatus::kStopped, "STOPPED"},
      {DeploymentStatus::kDeleting, "DELETING"},
      {DeploymentStatus::kFailed, "FAILED"},
  };
  return table;
}

constexpr std::array<std::pair<DesiredState, std::string_view>, 3> kDesired = {{
    {DesiredState::kRunning, "running"},
    {DesiredState::kStopped, "stopped"},
    {DesiredState::kDeleted, "deleted"},
}};

}  // namespace

std::string_view PlanName(Plan plan) {
  for (const auto& [p, name] : kPlans) {
    if (p == plan) return name;
  }
  return "?";
}

std::optional<Plan> ParsePlan(std::string_view name) {
  for (const auto& [p, n] : kPlans) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::string_view StatusName(DeploymentStatus status) {
  for (const auto& [s, name] : StatusTable()) {
    if (s == status) return name;
  }
  return "?";
}

std::optional<DeploymentStatus> ParseStatus(std::string_view name) {
  for (const auto& [s, n] : StatusTable()) {
    if (n == name) return s;
  }
  return std::nullopt;
}

const std::vector<DeploymentStatus>& AllStatuses() {
  static const std::vector<DeploymentStatus> all = [] {
    std::vector<DeploymentStatus> v;
    for (const auto& entry : StatusTable()) v.push_back(entry.first);
    return v;
  }();
  return all;
}

std::string_view DesiredStateName(DesiredState state) {
  for (const auto& [s, name] : kDesired) {
    if (s == state) return name;
  }
  return "?";
}

std::optional<DesiredState> ParseDesiredState(std::string_view name) {
  for (const auto& [s, n] : kDesired) {
    if (n == name) return s;
  }
  return std::nullopt;
}

int Deployment::DesiredReplicas() const {
  if (desired != DesiredState::kRunning || base_capacity <= 0) return 0;
  return capacity / base_capacity;
}

DeploymentEvent MakeEvent(const Deployment& d, std::string type, std::string message,
                          std::string actor, SystemTime time) {
  DeploymentEvent e;
  e.deployed_model = d.deployed_model;
  e.uid = d.uid;
  e.time = time;
  e.type = std::move(type);
  e.message = std::move(message);
  e.status = d.status;
  e.capacity = d.capacity;
  e.ready_capacity = d.ready_capacity;
  e.ptu_capacity = d.ptu_capacity;
  e.actor = std::move(actor);
  return e;
}

Incarnation MakeIncarnation(const Deployment& d) {
  Incarnation i;
  i.uid = d.uid;
  i.deployed_model = d.deployed_model;
  i.workspace_id = d.workspace_id;
  i.model_name = d.model_name;
  i.plan = d.plan;
  i.model_unit_spec = d.model_unit_spec;
  i.base_capacity = d.base_capacity;
  i.charge_type = d.charge_type;
  i.billing_method = d.billing_method;
  i.ptu_capacity = d.ptu_capacity;
  i.created = d.created;
  return i;
}

}  // namespace berth
