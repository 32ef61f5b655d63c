// The deployment status machine: which user operations each status allows, what status an
// operation leads to, and what status the reconciler reports for what it observed.
// Pure functions; see docs/api.md "Lifecycle" for the diagram.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "core/deployment.h"

namespace berth {

enum class Operation { kScale, kUpdateLimits, kUpdateOverflow, kStop, kStart, kDelete };

std::string_view OperationName(Operation op);

// FailedPrecondition naming the status when `op` is not allowed on `d` now.
Status CheckOperation(Operation op, const Deployment& d);

// Applies the user's operation to the intent and status of `d` (after CheckOperation).
// ApplyScaled is called after the new capacity is set, with the capacity before it.
void ApplyScaled(Deployment& d, int old_capacity);
void ApplyStop(Deployment& d);
void ApplyStart(Deployment& d);
void ApplyDelete(Deployment& d);

// What the reconciler observed of a deployment's replicas.
struct Observation {
  int ready_replicas = 0;  // serving
  int live_replicas = 0;   // starting or serving
  std::string failure;     // why the runtime gave up on a replica, or empty
};

// How many replicas the reconciler should keep, and whether it may start new ones.
int TargetReplicas(const Deployment& d);
bool MayStartReplicas(const Deployment& d);

// The status (and fail_reason) the reconciler should record for `d` given what it observed.
// For desired == kDeleted it stays DELETING; the reconciler removes the record itself.
void ApplyObservation(const Observation& observation, Deployment& d);

}  // namespace berth
