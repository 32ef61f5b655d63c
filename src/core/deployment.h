// The Deployment record and its vocabulary (plans, statuses, desired state, events).
// Plain values: no I/O, safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace berth {

enum class Plan { kMu, kPtu, kLora, kCu };

std::string_view PlanName(Plan plan);
std::optional<Plan> ParsePlan(std::string_view name);

enum class DeploymentStatus {
  kPending,         // creating: replicas starting
  kRunning,         // every desired replica is ready
  kUpdating,        // a scale is in progress
  kUpdatingFailed,  // a scale-up could not be satisfied; the old capacity keeps serving
  kStopped,         // no replicas, not billed
  kDeleting,        // replicas going away; the record disappears when they are gone
  kFailed,          // could not start
};

std::string_view StatusName(DeploymentStatus status);
std::optional<DeploymentStatus> ParseStatus(std::string_view name);
const std::vector<DeploymentStatus>& AllStatuses();

// What the user asked for; the reconciler drives the runtime towards it.
enum class DesiredState { kRunning, kStopped, kDeleted };

std::string_view DesiredStateName(DesiredState state);
std::optional<DesiredState> ParseDesiredState(std::string_view name);

// Purchased throughput of a ptu deployment, in tokens per minute.
struct PtuCapacity {
  int64_t input_tpm = 0;
  int64_t output_tpm = 0;
  std::optional<int64_t> thinking_output_tpm;
  bool operator==(const PtuCapacity&) const = default;
};

struct Deployment {
  std::string deployed_model;  // the public id, unique across the server
  std::string uid;             // unique per incarnation: a re-created name gets a new uid
  std::string name;            // display name
  std::string model_name;
  std::string base_model;
  std::string workspace_id;
  Plan plan = Plan::kMu;
  std::string model_unit_spec;  // mu and cu: the spec (template) id, e.g. "MU1"
  int base_capacity = 1;        // units per replica
  int capacity = 0;             // desired units (ptu: replicas; lora: 1)
  int ready_capacity = 0;       // units of ready replicas
  std::string charge_type = "post_paid";
  std::string billing_method = "POST_PAY";
  std::string creator;
  std::string modifier;
  // mu only
  std::optional<bool> enable_thinking;
  std::optional<int64_t> max_context_length;
  std::optional<int64_t> rpm_limit;
  std::optional<int64_t> tpm_limit;
  // ptu only
  std::optional<PtuCapacity> ptu_capacity;
  std::string overflow_strategy;  // ptu: "enable" (default) or "disable"

  DesiredState desired = DesiredState::kRunning;
  DeploymentStatus status = DeploymentStatus::kPending;
  std::string fail_reason;
  SystemTime created;
  SystemTime modified;
  int64_t version = 0;  // bumped by every stored write; writers compare it to detect races

  int DesiredReplicas() const;
};

// One entry of a deployment's history: what happened, and the state right after it.
struct DeploymentEvent {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string deployed_model;
  std::string uid;
  SystemTime time;
  std::string type;  // e.g. "Created", "Scaled", "StatusChanged"
  std::string message;
  DeploymentStatus status = DeploymentStatus::kPending;
  int capacity = 0;
  int ready_capacity = 0;
  std::optional<PtuCapacity> ptu_capacity;  // ptu: the purchased throughput right after it
  std::string actor;                        // key id of the caller, or "reconciler"
};

// The facts of one incarnation (uid) that never change while it lives. The store keeps them
// after the deployment record is deleted, so past hours can still be billed.
struct Incarnation {
  std::string uid;
  std::string deployed_model;
  std::string workspace_id;
  std::string model_name;
  Plan plan = Plan::kMu;
  std::string model_unit_spec;  // mu and cu
  int base_capacity = 1;        // units per replica
  std::string charge_type;
  std::string billing_method;
  std::optional<PtuCapacity> ptu_capacity;  // at creation; events carry later changes
  SystemTime created;
  std::optional<SystemTime> deleted;  // when the record was removed
  bool operator==(const Incarnation&) const = default;
};

// The incarnation facts of `d`.
Incarnation MakeIncarnation(const Deployment& d);

// Builds the event that records `type` on `d` as it is now.
DeploymentEvent MakeEvent(const Deployment& d, std::string type, std::string message,
                          std::string actor, SystemTime time);

}  // namespace berth
