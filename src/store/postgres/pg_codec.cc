#include "store/postgres/pg_codec.h"

#include <initializer_list>

#include "store/sqlite/codec.h"  // JoinPlans / SplitPlans: the same text in both stores

namespace berth::pg {
namespace {

// The order of these lists is the order of Bind* and Read* below.
// clang-format off
constexpr std::initializer_list<const char*> kDeploymentColumns = {
    "deployed_model", "uid", "name", "model_name", "base_model", "workspace_id",
    "plan", "model_unit_spec", "base_capacity", "capacity", "ready_capacity",
    "charge_type", "billing_method", "creator", "modifier",
    "enable_thinking", "max_context_length", "rpm_limit", "tpm_limit",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "overflow_strategy",
    "desired", "status", "fail_reason", "created", "modified", "version"};
// seq is assigned by PostgreSQL: selected, never inserted.
constexpr std::initializer_list<const char*> kEventColumns = {
    "deployed_model", "uid", "time", "type", "message",
    "status", "capacity", "ready_capacity", "actor",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm"};
constexpr std::initializer_list<const char*> kIncarnationColumns = {
    "uid", "deployed_model", "workspace_id", "model_name", "plan", "model_unit_spec",
    "base_capacity", "charge_type", "billing_method",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "created", "deleted"};
constexpr std::initializer_list<const char*> kWorkspaceColumns = {
    "workspace_id", "name", "created"};
constexpr std::initializer_list<const char*> kApiKeyColumns = {
    "key_id", "workspace_id", "key_hash", "key_prefix", "admin", "created"};
constexpr std::initializer_list<const char*> kCustomModelColumns = {
    "model_name", "base_model", "plans", "created"};
constexpr std::initializer_list<const char*> kUsageColumns = {
    "deployed_model", "deployment_uid", "workspace_id", "key_id", "time",
    "input_tokens", "output_tokens", "ptu", "overflow", "http_status",
    "latency_ms", "streamed", "aborted", "thinking"};
// clang-format on

std::string ColumnList(std::initializer_list<const char*> columns) {
  std::string out;
  for (const char* column : columns) {
    if (!out.empty()) out += ", ";
    out += column;
  }
  return out;
}

// "($first, ..., $first+count-1)"
std::string Placeholders(size_t first, size_t count) {
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "$" + std::to_string(first + i);
  }
  return out + ")";
}

std::string InsertSql(const char* table, std::initializer_list<const char*> columns) {
  return std::string("INSERT INTO ") + table + " (" + ColumnList(columns) + ") VALUES " +
         Placeholders(1, columns.size());
}

std::string SelectSql(const char* table, std::initializer_list<const char*> columns) {
  return "SELECT " + ColumnList(columns) + " FROM " + table;
}

void BindPtu(Params& p, const std::optional<PtuCapacity>& ptu) {
  p.OptionalInt(ptu ? std::optional<int64_t>(ptu->input_tpm) : std::nullopt);
  p.OptionalInt(ptu ? std::optional<int64_t>(ptu->output_tpm) : std::nullopt);
  p.OptionalInt(ptu ? ptu->thinking_output_tpm : std::nullopt);
}

std::optional<PtuCapacity> ReadPtu(Row& r) {
  std::optional<int64_t> input_tpm = r.OptionalInt();
  std::optional<int64_t> output_tpm = r.OptionalInt();
  std::optional<int64_t> thinking_tpm = r.OptionalInt();
  if (!input_tpm) return std::nullopt;
  return PtuCapacity{*input_tpm, output_tpm.value_or(0), thinking_tpm};
}

Status Corrupt(const std::string& record, const std::string& field, const std::string& value) {
  return Internal("stored " + record + " has an unknown " + field + " \"" + value + "\"");
}

}  // namespace

#define BERTH_PG_SQL(name, expr)           \
  const std::string& name() {              \
    static const std::string sql = (expr); \
    return sql;                            \
  }

BERTH_PG_SQL(SelectDeploymentSql, SelectSql("deployments", kDeploymentColumns))
BERTH_PG_SQL(SelectEventSql, "SELECT seq, " + ColumnList(kEventColumns) + " FROM deployment_events")
BERTH_PG_SQL(SelectIncarnationSql, SelectSql("incarnations", kIncarnationColumns))
BERTH_PG_SQL(SelectWorkspaceSql, SelectSql("workspaces", kWorkspaceColumns))
BERTH_PG_SQL(SelectApiKeySql, SelectSql("api_keys", kApiKeyColumns))
BERTH_PG_SQL(SelectCustomModelSql, SelectSql("custom_models", kCustomModelColumns))
BERTH_PG_SQL(SelectUsageSql, SelectSql("usage_records", kUsageColumns))
BERTH_PG_SQL(InsertDeploymentSql, InsertSql("deployments", kDeploymentColumns))
BERTH_PG_SQL(InsertEventSql, InsertSql("deployment_events", kEventColumns))
BERTH_PG_SQL(InsertIncarnationSql, InsertSql("incarnations", kIncarnationColumns))
BERTH_PG_SQL(InsertWorkspaceSql, InsertSql("workspaces", kWorkspaceColumns))
BERTH_PG_SQL(InsertApiKeySql, InsertSql("api_keys", kApiKeyColumns))
BERTH_PG_SQL(InsertCustomModelSql, InsertSql("custom_models", kCustomModelColumns))
#undef BERTH_PG_SQL

std::string InsertUsageSql(size_t rows) {
  std::string sql = "INSERT INTO usage_records (" + ColumnList(kUsageColumns) + ") VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ", ";
    sql += Placeholders(1 + i * kUsageColumns.size(), kUsageColumns.size());
  }
  return sql;
}

const std::string& UpdateDeploymentSql() {
  static const std::string sql = [] {
    std::string set;
    int index = 0;
    for (const char* column : kDeploymentColumns) {
      if (++index == 1) continue;  // deployed_model is the key, bound as $1
      if (!set.empty()) set += ", ";
      set += std::string(column) + " = $" + std::to_string(index);
    }
    return "UPDATE deployments SET " + set + " WHERE deployed_model = $1 AND version = $" +
           std::to_string(index + 1);
  }();
  return sql;
}

int DeploymentParamCount() { return static_cast<int>(kDeploymentColumns.size()); }

void BindDeployment(Params& p, const Deployment& d, int64_t version) {
  p.Text(d.deployed_model).Text(d.uid).Text(d.name).Text(d.model_name).Text(d.base_model);
  p.Text(d.workspace_id).Text(PlanName(d.plan)).Text(d.model_unit_spec);
  p.Int(d.base_capacity).Int(d.capacity).Int(d.ready_capacity);
  p.Text(d.charge_type).Text(d.billing_method).Text(d.creator).Text(d.modifier);
  if (d.enable_thinking) {
    p.Bool(*d.enable_thinking);
  } else {
    p.Null();
  }
  p.OptionalInt(d.max_context_length).OptionalInt(d.rpm_limit).OptionalInt(d.tpm_limit);
  BindPtu(p, d.ptu_capacity);
  p.Text(d.overflow_strategy).Text(DesiredStateName(d.desired)).Text(StatusName(d.status));
  p.Text(d.fail_reason).Int(ToUnixMillis(d.created)).Int(ToUnixMillis(d.modified)).Int(version);
}

StatusOr<Deployment> ReadDeployment(Row r) {
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
  d.enable_thinking = r.OptionalBool();
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

void BindEvent(Params& p, const DeploymentEvent& e) {
  p.Text(e.deployed_model).Text(e.uid).Int(ToUnixMillis(e.time)).Text(e.type).Text(e.message);
  p.Text(StatusName(e.status)).Int(e.capacity).Int(e.ready_capacity).Text(e.actor);
  BindPtu(p, e.ptu_capacity);
}

StatusOr<DeploymentEvent> ReadEvent(Row r) {
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

void BindIncarnation(Params& p, const Incarnation& i) {
  p.Text(i.uid).Text(i.deployed_model).Text(i.workspace_id).Text(i.model_name);
  p.Text(PlanName(i.plan)).Text(i.model_unit_spec).Int(i.base_capacity);
  p.Text(i.charge_type).Text(i.billing_method);
  BindPtu(p, i.ptu_capacity);
  p.Int(ToUnixMillis(i.created));
  p.OptionalInt(i.deleted ? std::optional<int64_t>(ToUnixMillis(*i.deleted)) : std::nullopt);
}

StatusOr<Incarnation> ReadIncarnation(Row r) {
  Incarnation i;
  i.uid = r.Text();
  i.deployed_model = r.Text();
  i.workspace_id = r.Text();
  i.model_name = r.Text();
  std::string plan = r.Text();
  i.model_unit_spec = r.Text();
  i.base_capacity = r.Int32();
  i.charge_type = r.Text();
  i.billing_method = r.Text();
  i.ptu_capacity = ReadPtu(r);
  i.created = r.Time();
  if (std::optional<int64_t> deleted = r.OptionalInt()) i.deleted = FromUnixMillis(*deleted);
  std::optional<Plan> parsed = ParsePlan(plan);
  if (!parsed) return Corrupt("incarnation " + i.uid, "plan", plan);
  i.plan = *parsed;
  return i;
}

void BindWorkspace(Params& p, const Workspace& w) {
  p.Text(w.workspace_id).Text(w.name).Int(ToUnixMillis(w.created));
}

Workspace ReadWorkspace(Row r) {
  Workspace w;
  w.workspace_id = r.Text();
  w.name = r.Text();
  w.created = r.Time();
  return w;
}

void BindApiKey(Params& p, const ApiKey& k) {
  p.Text(k.key_id).Text(k.workspace_id).Text(k.key_hash).Text(k.key_prefix).Bool(k.admin);
  p.Int(ToUnixMillis(k.created));
}

ApiKey ReadApiKey(Row r) {
  ApiKey k;
  k.key_id = r.Text();
  k.workspace_id = r.Text();
  k.key_hash = r.Text();
  k.key_prefix = r.Text();
  k.admin = r.Bool();
  k.created = r.Time();
  return k;
}

void BindCustomModel(Params& p, const CustomModel& m) {
  p.Text(m.model_name).Text(m.base_model).Text(sqlite::JoinPlans(m.plans));
  p.Int(ToUnixMillis(m.created));
}

StatusOr<CustomModel> ReadCustomModel(Row r) {
  CustomModel m;
  m.model_name = r.Text();
  m.base_model = r.Text();
  std::string plans = r.Text();
  m.created = r.Time();
  ASSIGN_OR_RETURN(m.plans, sqlite::SplitPlans(plans));
  return m;
}

void BindUsage(Params& p, const UsageRecord& u) {
  p.Text(u.deployed_model).Text(u.deployment_uid).Text(u.workspace_id).Text(u.key_id);
  p.Int(ToUnixMillis(u.time)).Int(u.input_tokens).Int(u.output_tokens);
  p.Bool(u.ptu).Bool(u.overflow).Int(u.http_status).Int(u.latency_ms);
  p.Bool(u.streamed).Bool(u.aborted).Bool(u.thinking);
}

UsageRecord ReadUsage(Row r) {
  UsageRecord u;
  u.deployed_model = r.Text();
  u.deployment_uid = r.Text();
  u.workspace_id = r.Text();
  u.key_id = r.Text();
  u.time = r.Time();
  u.input_tokens = r.Int();
  u.output_tokens = r.Int();
  u.ptu = r.Bool();
  u.overflow = r.Bool();
  u.http_status = r.Int32();
  u.latency_ms = r.Int();
  u.streamed = r.Bool();
  u.aborted = r.Bool();
  u.thinking = r.Bool();
  return u;
}

}  // namespace berth::pg
