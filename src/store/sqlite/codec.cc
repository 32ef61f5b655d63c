#include "store/sqlite/codec.h"

#include <initializer_list>

#include "store/sqlite/row_codec.h"

namespace berth::sqlite {
namespace {

// The order of these lists is the order of Bind* and Read* below.
// Related columns share a line; clang-format would put each on its own.
// clang-format off
constexpr std::initializer_list<const char*> kDeploymentColumns = {
    "deployed_model", "uid", "name", "model_name", "base_model", "workspace_id",
    "plan", "model_unit_spec", "base_capacity", "capacity", "ready_capacity",
    "charge_type", "billing_method", "creator", "modifier",
    "enable_thinking", "max_context_length", "rpm_limit", "tpm_limit",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "overflow_strategy",
    "desired", "status", "fail_reason", "created", "modified", "version"};
constexpr std::initializer_list<const char*> kEventColumns = {
    "seq", "deployed_model", "uid", "time", "type", "message",
    "status", "capacity", "ready_capacity", "actor",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm"};
// clang-format on

}  // namespace

const std::string& SelectDeploymentSql() {
  static const std::string sql = SelectSql("deployments", kDeploymentColumns);
  return sql;
}

const std::string& InsertDeploymentSql() {
  static const std::string sql = InsertSql("deployments", kDeploymentColumns);
  return sql;
}

const std::string& UpdateDeploymentSql() {
  static const std::string sql = [] {
    std::string set;
    int index = 0;
    for (const char* column : kDeploymentColumns) {
      if (++index == 1) continue;  // deployed_model is the key, bound as ?1
      if (!set.empty()) set += ", ";
      set += std::string(column) + " = ?" + std::to_string(index);
    }
    return "UPDATE deployments SET " + set + " WHERE deployed_model = ?1 AND version = ?" +
           std::to_string(index + 1);
  }();
  return sql;
}

int DeploymentParamCount() { return static_cast<int>(kDeploymentColumns.size()); }

void BindDeployment(Statement& st, const Deployment& d, int64_t version) {
  Binder b(st);
  b.Text(d.deployed_model);
  b.Text(d.uid);
  b.Text(d.name);
  b.Text(d.model_name);
  b.Text(d.base_model);
  b.Text(d.workspace_id);
  b.Text(PlanName(d.plan));
  b.Text(d.model_unit_spec);
  b.Int(d.base_capacity);
  b.Int(d.capacity);
  b.Int(d.ready_capacity);
  b.Text(d.charge_type);
  b.Text(d.billing_method);
  b.Text(d.creator);
  b.Text(d.modifier);
  b.OptionalInt(d.enable_thinking ? std::optional<int64_t>(*d.enable_thinking ? 1 : 0)
                                  : std::nullopt);
  b.OptionalInt(d.max_context_length);
  b.OptionalInt(d.rpm_limit);
  b.OptionalInt(d.tpm_limit);
  BindPtu(b, d.ptu_capacity);
  b.Text(d.overflow_strategy);
  b.Text(DesiredStateName(d.desired));
  b.Text(StatusName(d.status));
  b.Text(d.fail_reason);
  b.Time(d.created);
  b.Time(d.modified);
  b.Int(version);
}

StatusOr<Deployment> ReadDeployment(const Statement& st) {
  Reader r(st);
  Deployment d;
  d.deployed_model = r.Text();
  d.uid = r.Text();
  d.name = r.Text();
  d.model_name = r.Text();
  d.base_model = r.Text();
  d.workspace_id = r.Text();
  std::string plan = r.Text();
  d.model_unit_spec = r.Text();
  d.base_capacity = r.Int32();
  d.capacity = r.Int32();
  d.ready_capacity = r.Int32();
  d.charge_type = r.Text();
  d.billing_method = r.Text();
  d.creator = r.Text();
  d.modifier = r.Text();
  if (std::optional<int64_t> thinking = r.OptionalInt()) d.enable_thinking = *thinking != 0;
  d.max_context_length = r.OptionalInt();
  d.rpm_limit = r.OptionalInt();
  d.tpm_limit = r.OptionalInt();
  d.ptu_capacity = ReadPtu(r);
  d.overflow_strategy = r.Text();
  std::string desired = r.Text();
  std::string status = r.Text();
  d.fail_reason = r.Text();
  d.created = r.Time();
  d.modified = r.Time();
  d.version = r.Int();

  std::optional<Plan> parsed_plan = ParsePlan(plan);
  if (!parsed_plan) return Corrupt("deployment " + d.deployed_model, "plan", plan);
  d.plan = *parsed_plan;
  std::optional<DesiredState> parsed_desired = ParseDesiredState(desired);
  if (!parsed_desired) return Corrupt("deployment " + d.deployed_model, "desired state", desired);
  d.desired = *parsed_desired;
  std::optional<DeploymentStatus> parsed_status = ParseStatus(status);
  if (!parsed_status) return Corrupt("deployment " + d.deployed_model, "status", status);
  d.status = *parsed_status;
  return d;
}

const std::string& InsertEventSql() {
  // seq is assigned by sqlite, so the insert skips the first column.
  static const std::string sql =
      InsertSql("deployment_events", {"deployed_model", "uid", "time", "type", "message", "status",
                                      "capacity", "ready_capacity", "actor", "ptu_input_tpm",
                                      "ptu_output_tpm", "ptu_thinking_output_tpm"});
  return sql;
}

const std::string& SelectEventsByUidSql() {
  static const std::string sql =
      SelectSql("deployment_events", kEventColumns) + " WHERE uid = ?1 ORDER BY seq";
  return sql;
}

void BindEvent(Statement& st, const DeploymentEvent& e) {
  Binder b(st);
  b.Text(e.deployed_model);
  b.Text(e.uid);
  b.Time(e.time);
  b.Text(e.type);
  b.Text(e.message);
  b.Text(StatusName(e.status));
  b.Int(e.capacity);
  b.Int(e.ready_capacity);
  b.Text(e.actor);
  BindPtu(b, e.ptu_capacity);
}

StatusOr<DeploymentEvent> ReadEvent(const Statement& st) {
  Reader r(st);
  DeploymentEvent e;
  e.seq = r.Int();
  e.deployed_model = r.Text();
  e.uid = r.Text();
  e.time = r.Time();
  e.type = r.Text();
  e.message = r.Text();
  std::string status = r.Text();
  e.capacity = r.Int32();
  e.ready_capacity = r.Int32();
  e.actor = r.Text();
  e.ptu_capacity = ReadPtu(r);
  std::optional<DeploymentStatus> parsed = ParseStatus(status);
  if (!parsed) return Corrupt("event " + std::to_string(e.seq), "status", status);
  e.status = *parsed;
  return e;
}

}  // namespace berth::sqlite
