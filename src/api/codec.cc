#include "api/codec.h"

#include "api/json_fields.h"
#include "common/time_format.h"

namespace berth {
namespace {

// The optional ptu_capacity object; errors name the nested field ("ptu_capacity.input_tpm").
StatusOr<std::optional<PtuCapacityRequest>> DecodePtuCapacity(JsonFields& fields) {
  const nlohmann::json* object = fields.Object("ptu_capacity");
  if (!object) return std::optional<PtuCapacityRequest>();
  JsonFields ptu(*object, "ptu_capacity.");
  PtuCapacityRequest request;
  request.input_tpm = ptu.Integer("input_tpm");
  request.output_tpm = ptu.Integer("output_tpm");
  request.thinking_output_tpm = ptu.Integer("thinking_output_tpm");
  RETURN_IF_ERROR(ptu.status());
  return std::optional<PtuCapacityRequest>(request);
}

LimitChange DecodeLimit(JsonFields& fields, const char* name) {
  LimitChange change;
  change.present = fields.Has(name);
  change.value = fields.Integer(name);
  return change;
}

OrderedJson OptionalPrice(const std::optional<double>& price) {
  return price ? OrderedJson(*price) : OrderedJson(nullptr);
}

OrderedJson EncodeTemplate(const UnitSpec& spec) {
  OrderedJson t;
  t["template_id"] = spec.spec;
  t["template_name"] = spec.spec + " x " + std::to_string(spec.units_per_replica);
  t["template_type"] = "COUPLED";
  t["template_version"] = "1";
  t["template_desc"] = spec.note;
  t["template_source"] = "SYSTEM";
  t["charge_type"] = "post_paid";
  t["deploy_spec"] = spec.spec;
  t["capacity_unit_per_instance"] = spec.units_per_replica;
  t["capacity_unit_init"] = spec.units_per_replica;
  t["roles"]["unified"] = {{"model_unit_spec", spec.spec},
                           {"capacity_unit_per_instance", spec.units_per_replica}};
  t["hourly_price"] = OptionalPrice(spec.hourly_price);
  t["monthly_price"] = OptionalPrice(spec.monthly_price);
  return t;
}

int LegacyBaseCapacity(const CatalogModel& m) {
  if (!m.mu_specs.empty()) return m.mu_specs.front().units_per_replica;
  if (!m.cu_specs.empty()) return m.cu_specs.front().units_per_replica;
  return 1;
}

}  // namespace

StatusOr<CreateDeploymentRequest> DecodeCreateRequest(const nlohmann::json& body) {
  JsonFields fields(body);
  CreateDeploymentRequest r;
  r.model_name = fields.String("model_name");
  r.plan = fields.String("plan");
  r.name = fields.String("name");
  r.deploy_spec = fields.String("deploy_spec");
  r.template_id = fields.String("template_id");
  r.billing_method = fields.String("billing_method");
  r.suffix = fields.String("suffix");
  r.capacity = fields.Integer("capacity");
  r.enable_thinking = fields.Bool("enable_thinking");
  r.max_context_length = fields.Integer("max_context_length");
  r.rpm_limit = fields.Integer("rpm_limit");
  r.tpm_limit = fields.Integer("tpm_limit");
  ASSIGN_OR_RETURN(r.ptu_capacity, DecodePtuCapacity(fields));
  RETURN_IF_ERROR(fields.status());
  return r;
}

StatusOr<ScaleDeploymentRequest> DecodeScaleRequest(const nlohmann::json& body) {
  JsonFields fields(body);
  ScaleDeploymentRequest r;
  r.capacity = fields.Integer("capacity");
  ASSIGN_OR_RETURN(r.ptu_capacity, DecodePtuCapacity(fields));
  // Older bl CLIs send input_tpm / output_tpm at the top level.
  if (!r.ptu_capacity && (fields.Has("input_tpm") || fields.Has("output_tpm"))) {
    PtuCapacityRequest flat;
    flat.input_tpm = fields.Integer("input_tpm");
    flat.output_tpm = fields.Integer("output_tpm");
    r.ptu_capacity = flat;
  }
  RETURN_IF_ERROR(fields.status());
  return r;
}

StatusOr<UpdateLimitsRequest> DecodeUpdateLimitsRequest(const nlohmann::json& body) {
  JsonFields fields(body);
  UpdateLimitsRequest r;
  r.rpm_limit = DecodeLimit(fields, "rpm_limit");
  r.tpm_limit = DecodeLimit(fields, "tpm_limit");
  RETURN_IF_ERROR(fields.status());
  return r;
}

OrderedJson EncodeDeployment(const Deployment& d) {
  // Room for every field up front: an ordered_json object is a vector of (const key, value)
  // pairs, which it copies (it cannot move them) each time it grows.
  OrderedJson j = OrderedJson::object();
  j.get_ref<OrderedJson::object_t&>().reserve(24);
  j["deployed_model"] = d.deployed_model;
  j["name"] = d.name;
  j["gmt_create"] = FormatApiTime(d.created);
  j["gmt_modified"] = FormatApiTime(d.modified);
  j["status"] = StatusName(d.status);
  j["model_name"] = d.model_name;
  j["base_model"] = d.base_model;
  j["base_capacity"] = d.base_capacity;
  j["capacity"] = d.capacity;
  j["ready_capacity"] = d.ready_capacity;
  j["workspace_id"] = d.workspace_id;
  j["charge_type"] = d.charge_type;
  j["creator"] = d.creator;
  j["modifier"] = d.modifier;
  j["plan"] = PlanName(d.plan);
  if (d.plan == Plan::kMu) {
    j["model_unit_spec"] = d.model_unit_spec;
    if (d.enable_thinking) j["enable_thinking"] = *d.enable_thinking;
    if (d.max_context_length) j["max_context_length"] = *d.max_context_length;
    if (d.rpm_limit) j["rpm_limit"] = *d.rpm_limit;
    if (d.tpm_limit) j["tpm_limit"] = *d.tpm_limit;
  }
  if (d.plan == Plan::kPtu && d.ptu_capacity) {
    OrderedJson ptu;
    ptu["input_tpm"] = d.ptu_capacity->input_tpm;
    ptu["output_tpm"] = d.ptu_capacity->output_tpm;
    if (d.ptu_capacity->thinking_output_tpm) {
      ptu["thinking_output_tpm"] = *d.ptu_capacity->thinking_output_tpm;
    }
    j["ptu_capacity"] = ptu;
    j["overflow_strategy"] = d.overflow_strategy;
  }
  if (!d.fail_reason.empty()) j["fail_reason"] = d.fail_reason;
  return j;
}

OrderedJson EncodeEvent(const DeploymentEvent& e) {
  OrderedJson j;
  j["time"] = FormatApiTime(e.time);
  j["type"] = e.type;
  j["message"] = e.message;
  j["status"] = StatusName(e.status);
  j["capacity"] = e.capacity;
  j["ready_capacity"] = e.ready_capacity;
  j["actor"] = e.actor;
  return j;
}

OrderedJson EncodeReplica(const ReplicaInfo& r) {
  OrderedJson j;
  j["replica_id"] = r.replica_id;
  j["state"] = ReplicaStateName(r.state);
  j["units"] = r.units;
  // An in-process sim replica's virtual port (above 65535) is no port a client can reach.
  j["port"] = r.port <= 65535 ? r.port : 0;
  j["pid"] = r.pid;
  j["restarts"] = r.restarts;
  j["last_error"] = r.last_error;
  j["gmt_started"] = FormatApiTime(r.started);
  if (!r.pool.empty()) j["pool"] = r.pool;
  if (!r.host.empty()) j["ip"] = r.host;
  if (!r.node.empty()) j["node"] = r.node;
  if (!r.phase.empty()) j["phase"] = r.phase;
  return j;
}

OrderedJson EncodeModelLegacy(const CatalogModel& m) {
  return OrderedJson{{"model_name", m.model_name}, {"base_capacity", LegacyBaseCapacity(m)}};
}

OrderedJson EncodeModelV1(const CatalogModel& m) {
  OrderedJson j;
  j["model_name"] = m.model_name;
  j["display_name"] = m.display_name;
  j["model_source"] = m.custom ? "custom" : "base";
  j["base_model"] = m.base_model.empty() ? m.model_name : m.base_model;
  OrderedJson plans = OrderedJson::array();
  OrderedJson supported = OrderedJson::array();
  for (Plan plan : m.Plans()) {
    OrderedJson p;
    p["plan"] = PlanName(plan);
    supported.push_back(PlanName(plan));
    if (plan == Plan::kMu) {
      p["templates"] = OrderedJson::array();
      for (const UnitSpec& spec : m.mu_specs) p["templates"].push_back(EncodeTemplate(spec));
    }
    if (plan == Plan::kCu) {
      p["cu_specs"] = OrderedJson::array();
      for (const UnitSpec& spec : m.cu_specs) p["cu_specs"].push_back(EncodeTemplate(spec));
    }
    plans.push_back(p);
  }
  j["supported_plans"] = supported;
  j["plans"] = plans;
  return j;
}

OrderedJson EncodeWorkspace(const Workspace& w) {
  return OrderedJson{
      {"workspace_id", w.workspace_id}, {"name", w.name}, {"gmt_create", FormatApiTime(w.created)}};
}

OrderedJson EncodeApiKey(const ApiKey& k) {
  return OrderedJson{{"key_id", k.key_id},
                     {"workspace_id", k.workspace_id},
                     {"admin", k.admin},
                     {"key_prefix", k.key_prefix},
                     {"gmt_create", FormatApiTime(k.created)}};
}

OrderedJson EncodeCustomModel(const CustomModel& m) {
  OrderedJson plans = OrderedJson::array();
  for (Plan p : m.plans) plans.push_back(PlanName(p));
  return OrderedJson{{"model_name", m.model_name},
                     {"base_model", m.base_model},
                     {"plans", plans},
                     {"model_source", "custom"},
                     {"gmt_create", FormatApiTime(m.created)}};
}

}  // namespace berth
