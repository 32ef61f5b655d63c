// Validation of create, scale and limit requests against the catalog, producing the new
// Deployment state. Pure functions: every rule of what a valid deployment is lives here.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "core/catalog.h"
#include "core/deployment.h"
#include "core/requests.h"

namespace berth {

inline constexpr int64_t kMaxCapacityExclusive = 1000;
inline constexpr int64_t kMaxContextLength = 1000000;
inline constexpr int64_t kMaxLimit = 1000000000;
inline constexpr int64_t kPtuInputStep = 10000;
inline constexpr int64_t kPtuOutputStep = 1000;
inline constexpr int64_t kMaxPtuTpm = 1000000000;

// How much throughput one replica of a ptu deployment provides.
struct PtuSizing {
  int64_t input_tpm_per_replica = 100000;
  int64_t output_tpm_per_replica = 10000;
};

// Who creates, and when; fills the fields a request does not carry.
struct CreateContext {
  std::string workspace_id;
  std::string actor;  // key id of the caller
  SystemTime now;
  PtuSizing ptu_sizing;
};

// The Deployment a create request describes for `model` (found by the caller by
// request.model_name). InvalidArgument with a message naming the field for anything wrong.
// deployed_model is named; uid, version and status are left for the caller.
StatusOr<Deployment> BuildDeployment(const CreateDeploymentRequest& request,
                                     const CatalogModel& model, const CreateContext& context);

// "Invalid capacity (n), capacity must be larger than or equal to 0 and multiples of b and
// less than 1000!" unless 0 <= n < 1000 and n % b == 0.
Status ValidateCapacity(int64_t capacity, int base_capacity);

// The ptu capacity a request asks for; absent fields take `defaults`.
StatusOr<PtuCapacity> ValidatePtuCapacity(const PtuCapacityRequest& request,
                                          const PtuCapacity& defaults);

// Replicas needed to serve `capacity` at `sizing` (at least 1). InvalidArgument naming the
// field when that would be kMaxCapacityExclusive (1000) replicas or more, the bound mu and cu
// capacity have.
StatusOr<int> PtuReplicas(const PtuCapacity& capacity, const PtuSizing& sizing);

// Applies a scale request to `d` (capacity or ptu_capacity depending on the plan).
// InvalidArgument for bad values, FailedPrecondition for plans that cannot scale (lora).
Status ApplyScale(const ScaleDeploymentRequest& request, const PtuSizing& sizing, Deployment& d);

// Applies a limits update to `d`. InvalidArgument if nothing is given, values are bad, or the
// plan has no limits (only mu deployments do).
Status ApplyLimits(const UpdateLimitsRequest& request, Deployment& d);

}  // namespace berth
