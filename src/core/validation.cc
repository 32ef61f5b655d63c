#include "core/validation.h"

#include <algorithm>

#include "core/naming.h"

namespace berth {
namespace {

std::string PlanList(const CatalogModel& model) {
  std::string list;
  for (Plan p : model.Plans()) {
    if (!list.empty()) list += ", ";
    list += PlanName(p);
  }
  return list;
}

StatusOr<Plan> ResolvePlan(const std::optional<std::string>& requested, const CatalogModel& model) {
  std::vector<Plan> offered = model.Plans();
  if (offered.empty()) {
    return InvalidArgument("model " + model.model_name + " has no deployable plan");
  }
  if (!requested) return offered.front();
  std::optional<Plan> plan = ParsePlan(*requested);
  if (!plan) {
    return InvalidArgument("plan '" + *requested + "' is not one of mu, ptu, lora, cu");
  }
  if (!model.Offers(*plan)) {
    return InvalidArgument("model " + model.model_name + " cannot be deployed on plan " +
                           *requested + "; its plans are: " + PlanList(model));
  }
  return *plan;
}

// Fields that only make sense for some plans are errors elsewhere, so a typo in `plan` does
// not silently drop what the caller asked for.
Status CheckPlanOnlyFields(const CreateDeploymentRequest& r, Plan plan) {
  auto only = [&](bool given, std::string_view field, std::string_view plans) -> Status {
    if (!given) return Status::Ok();
    return InvalidArgument(std::string(field) + " applies only to plan " + std::string(plans) +
                           ", not " + std::string(PlanName(plan)));
  };
  if (plan != Plan::kPtu) RETURN_IF_ERROR(only(r.ptu_capacity.has_value(), "ptu_capacity", "ptu"));
  if (plan != Plan::kMu) {
    RETURN_IF_ERROR(only(r.enable_thinking.has_value(), "enable_thinking", "mu"));
    RETURN_IF_ERROR(only(r.max_context_length.has_value(), "max_context_length", "mu"));
    RETURN_IF_ERROR(only(r.rpm_limit.has_value(), "rpm_limit", "mu"));
    RETURN_IF_ERROR(only(r.tpm_limit.has_value(), "tpm_limit", "mu"));
  }
  if (plan != Plan::kMu && plan != Plan::kCu) {
    RETURN_IF_ERROR(only(r.deploy_spec.has_value(), "deploy_spec", "mu or cu"));
    RETURN_IF_ERROR(only(r.template_id.has_value(), "template_id", "mu or cu"));
  }
  return Status::Ok();
}

StatusOr<const UnitSpec*> ResolveSpec(const CreateDeploymentRequest& r, const CatalogModel& model,
                                      Plan plan) {
  if (r.deploy_spec && r.template_id && *r.deploy_spec != *r.template_id) {
    return InvalidArgument("deploy_spec '" + *r.deploy_spec + "' and template_id '" +
                           *r.template_id + "' disagree; send one of them");
  }
  const std::vector<UnitSpec>& specs = model.SpecsFor(plan);
  const std::optional<std::string>& wanted = r.deploy_spec ? r.deploy_spec : r.template_id;
  if (!wanted) return &specs.front();
  if (const UnitSpec* spec = model.FindSpec(plan, *wanted)) return spec;
  std::string offered;
  for (const UnitSpec& s : specs) offered += (offered.empty() ? "" : ", ") + s.spec;
  return InvalidArgument("deploy_spec '" + *wanted + "' is not offered for model " +
                         model.model_name + "; its specs are: " + offered);
}

Status CheckRange(const std::optional<int64_t>& value, std::string_view field, int64_t min,
                  int64_t max) {
  if (!value || (*value >= min && *value <= max)) return Status::Ok();
  return InvalidArgument(std::string(field) + " must be between " + std::to_string(min) + " and " +
                         std::to_string(max) + ", got " + std::to_string(*value));
}

Status FillUnitPlan(const CreateDeploymentRequest& r, const CatalogModel& model, Deployment& d) {
  ASSIGN_OR_RETURN(const UnitSpec* spec, ResolveSpec(r, model, d.plan));
  if (!r.capacity) {
    return InvalidArgument("capacity is required for plan " + std::string(PlanName(d.plan)) +
                           " (a multiple of " + std::to_string(spec->units_per_replica) + ")");
  }
  RETURN_IF_ERROR(ValidateCapacity(*r.capacity, spec->units_per_replica));
  d.model_unit_spec = spec->spec;
  d.base_capacity = spec->units_per_replica;
  d.capacity = static_cast<int>(*r.capacity);
  if (d.plan != Plan::kMu) return Status::Ok();
  RETURN_IF_ERROR(CheckRange(r.max_context_length, "max_context_length", 1, kMaxContextLength));
  RETURN_IF_ERROR(CheckRange(r.rpm_limit, "rpm_limit", 1, kMaxLimit));
  RETURN_IF_ERROR(CheckRange(r.tpm_limit, "tpm_limit", 1, kMaxLimit));
  d.enable_thinking = r.enable_thinking;
  d.max_context_length = r.max_context_length;
  d.rpm_limit = r.rpm_limit;
  d.tpm_limit = r.tpm_limit;
  return Status::Ok();
}

Status FillPlan(const CreateDeploymentRequest& r, const CatalogModel& model,
                const PtuSizing& sizing, Deployment& d) {
  switch (d.plan) {
    case Plan::kMu:
    case Plan::kCu:
      return FillUnitPlan(r, model, d);
    case Plan::kPtu: {
      ASSIGN_OR_RETURN(PtuCapacity ptu,
                       ValidatePtuCapacity(r.ptu_capacity.value_or(PtuCapacityRequest{}),
                                           PtuCapacity{kPtuInputStep, kPtuOutputStep, {}}));
      d.ptu_capacity = ptu;
      d.base_capacity = 1;
      ASSIGN_OR_RETURN(d.capacity, PtuReplicas(ptu, sizing));
      d.overflow_strategy = "enable";
      return Status::Ok();
    }
    case Plan::kLora:
      if (!r.capacity) return InvalidArgument("capacity is required (it has no effect for lora)");
      d.base_capacity = 1;
      d.capacity = 1;
      return Status::Ok();
  }
  return Internal("unknown plan");
}

Status CheckTpm(int64_t value, std::string_view field, int64_t step, int64_t min) {
  if (value < min || value > kMaxPtuTpm || value % step != 0) {
    return InvalidArgument("ptu_capacity." + std::string(field) + " must be a multiple of " +
                           std::to_string(step) + " between " + std::to_string(min) + " and " +
                           std::to_string(kMaxPtuTpm) + ", got " + std::to_string(value));
  }
  return Status::Ok();
}

// Replicas of `per_replica` tpm each that serve `tpm`; ptu deployments are bounded like mu
// and cu capacity (fewer than kMaxCapacityExclusive), so one request cannot ask for thousands
// of engines.
StatusOr<int64_t> ReplicasFor(int64_t tpm, int64_t per_replica, std::string_view field) {
  if (per_replica <= 0) return 1;
  int64_t replicas = (tpm + per_replica - 1) / per_replica;
  if (replicas < kMaxCapacityExclusive) return replicas;
  return InvalidArgument(std::string(field) + " " + std::to_string(tpm) + " needs " +
                         std::to_string(replicas) + " replicas of " + std::to_string(per_replica) +
                         " tpm each; at most " + std::to_string(kMaxCapacityExclusive - 1) +
                         " replicas are allowed (up to " +
                         std::to_string(per_replica * (kMaxCapacityExclusive - 1)) + " tpm)");
}

}  // namespace

Status ValidateCapacity(int64_t capacity, int base_capacity) {
  if (capacity >= 0 && capacity < kMaxCapacityExclusive && base_capacity > 0 &&
      capacity % base_capacity == 0) {
    return Status::Ok();
  }
  return InvalidArgument("Invalid capacity (" + std::to_string(capacity) +
                         "), capacity must be larger than or equal to 0 and multiples of " +
                         std::to_string(base_capacity) + " and less than 1000!");
}

StatusOr<PtuCapacity> ValidatePtuCapacity(const PtuCapacityRequest& request,
                                          const PtuCapacity& defaults) {
  PtuCapacity ptu;
  ptu.input_tpm = request.input_tpm.value_or(defaults.input_tpm);
  ptu.output_tpm = request.output_tpm.value_or(defaults.output_tpm);
  ptu.thinking_output_tpm =
      request.thinking_output_tpm ? request.thinking_output_tpm : defaults.thinking_output_tpm;
  RETURN_IF_ERROR(CheckTpm(ptu.input_tpm, "input_tpm", kPtuInputStep, kPtuInputStep));
  RETURN_IF_ERROR(CheckTpm(ptu.output_tpm, "output_tpm", kPtuOutputStep, kPtuOutputStep));
  if (ptu.thinking_output_tpm) {
    RETURN_IF_ERROR(CheckTpm(*ptu.thinking_output_tpm, "thinking_output_tpm", kPtuOutputStep, 0));
  }
  return ptu;
}

StatusOr<int> PtuReplicas(const PtuCapacity& capacity, const PtuSizing& sizing) {
  int64_t output = capacity.output_tpm + capacity.thinking_output_tpm.value_or(0);
  ASSIGN_OR_RETURN(int64_t for_input, ReplicasFor(capacity.input_tpm, sizing.input_tpm_per_replica,
                                                  "ptu_capacity.input_tpm"));
  ASSIGN_OR_RETURN(
      int64_t for_output,
      ReplicasFor(output, sizing.output_tpm_per_replica,
                  capacity.thinking_output_tpm ? "ptu_capacity.output_tpm + thinking_output_tpm"
                                               : "ptu_capacity.output_tpm"));
  return static_cast<int>(std::max<int64_t>({for_input, for_output, 1}));
}

StatusOr<Deployment> BuildDeployment(const CreateDeploymentRequest& request,
                                     const CatalogModel& model, const CreateContext& context) {
  Deployment d;
  d.model_name = model.model_name;
  d.base_model = model.base_model.empty() ? model.model_name : model.base_model;
  d.workspace_id = context.workspace_id;
  ASSIGN_OR_RETURN(d.plan, ResolvePlan(request.plan, model));
  RETURN_IF_ERROR(CheckPlanOnlyFields(request, d.plan));
  if (request.name) RETURN_IF_ERROR(ValidateDisplayName(*request.name));
  d.name = request.name.value_or(model.model_name);
  if (request.suffix) RETURN_IF_ERROR(ValidateSuffix(*request.suffix));
  if (request.billing_method && *request.billing_method != "POST_PAY") {
    return InvalidArgument("billing_method '" + *request.billing_method +
                           "' is not supported; the only billing method is POST_PAY");
  }
  RETURN_IF_ERROR(FillPlan(request, model, context.ptu_sizing, d));
  d.deployed_model = DeployedModelName(d.plan, context.workspace_id, model.model_name,
                                       request.suffix.value_or(""));
  d.creator = d.modifier = context.actor;
  d.created = d.modified = context.now;
  d.desired = DesiredState::kRunning;
  d.status = DeploymentStatus::kPending;
  return d;
}

Status ApplyScale(const ScaleDeploymentRequest& request, const PtuSizing& sizing, Deployment& d) {
  switch (d.plan) {
    case Plan::kLora:
      return FailedPrecondition("lora deployments cannot be scaled; their capacity is shared");
    case Plan::kPtu: {
      if (request.capacity && !request.ptu_capacity) {
        return InvalidArgument("ptu deployments scale by ptu_capacity, not capacity");
      }
      if (!request.ptu_capacity) return InvalidArgument("ptu_capacity is required");
      ASSIGN_OR_RETURN(
          PtuCapacity ptu,
          ValidatePtuCapacity(*request.ptu_capacity, d.ptu_capacity.value_or(PtuCapacity{})));
      ASSIGN_OR_RETURN(d.capacity, PtuReplicas(ptu, sizing));
      d.ptu_capacity = ptu;
      return Status::Ok();
    }
    case Plan::kMu:
    case Plan::kCu:
      if (request.ptu_capacity) {
        return InvalidArgument("ptu_capacity applies only to plan ptu, not " +
                               std::string(PlanName(d.plan)));
      }
      if (!request.capacity) return InvalidArgument("capacity is required");
      RETURN_IF_ERROR(ValidateCapacity(*request.capacity, d.base_capacity));
      d.capacity = static_cast<int>(*request.capacity);
      return Status::Ok();
  }
  return Internal("unknown plan");
}

Status ApplyLimits(const UpdateLimitsRequest& request, Deployment& d) {
  if (!request.rpm_limit.present && !request.tpm_limit.present) {
    return InvalidArgument("at least one of rpm_limit and tpm_limit is required");
  }
  if (d.plan != Plan::kMu) {
    return InvalidArgument("rpm_limit and tpm_limit apply only to plan mu deployments, not " +
                           std::string(PlanName(d.plan)));
  }
  RETURN_IF_ERROR(CheckRange(request.rpm_limit.value, "rpm_limit", 1, kMaxLimit));
  RETURN_IF_ERROR(CheckRange(request.tpm_limit.value, "tpm_limit", 1, kMaxLimit));
  if (request.rpm_limit.present) d.rpm_limit = request.rpm_limit.value;
  if (request.tpm_limit.present) d.tpm_limit = request.tpm_limit.value;
  return Status::Ok();
}

}  // namespace berth
