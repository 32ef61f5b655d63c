// What a caller asked for, decoded from the wire but not yet validated. Absent fields are
// empty optionals; the api layer has already rejected values of the wrong JSON type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace berth {

struct PtuCapacityRequest {
  std::optional<int64_t> input_tpm;
  std::optional<int64_t> output_tpm;
  std::optional<int64_t> thinking_output_tpm;
};

struct CreateDeploymentRequest {
  std::optional<std::string> model_name;
  std::optional<std::string> plan;
  std::optional<std::string> name;
  std::optional<std::string> deploy_spec;
  std::optional<std::string> template_id;  // older clients send this instead of deploy_spec
  std::optional<std::string> billing_method;
  std::optional<std::string> suffix;
  std::optional<int64_t> capacity;
  std::optional<bool> enable_thinking;
  std::optional<int64_t> max_context_length;
  std::optional<int64_t> rpm_limit;
  std::optional<int64_t> tpm_limit;
  std::optional<PtuCapacityRequest> ptu_capacity;
};

struct ScaleDeploymentRequest {
  std::optional<int64_t> capacity;
  std::optional<PtuCapacityRequest> ptu_capacity;
};

// A limit in an update: absent (leave as is), null (remove the limit) or a value.
struct LimitChange {
  bool present = false;
  std::optional<int64_t> value;
};

struct UpdateLimitsRequest {
  LimitChange rpm_limit;
  LimitChange tpm_limit;
};

}  // namespace berth
