// The codec of the records besides deployments: workspaces, API keys, custom models, usage.
#include <initializer_list>

#include "store/sqlite/codec.h"
#include "store/sqlite/row_codec.h"

namespace berth::sqlite {
namespace {

// The order of these lists is the order of Bind* and Read* below.
constexpr std::initializer_list<const char*> kWorkspaceColumns = {"workspace_id", "name",
                                                                  "created"};
constexpr std::initializer_list<const char*> kApiKeyColumns = {
    "key_id", "workspace_id", "key_hash", "key_prefix", "admin", "created"};
constexpr std::initializer_list<const char*> kCustomModelColumns = {"model_name", "base_model",
                                                                    "plans", "created"};
constexpr std::initializer_list<const char*> kUsageColumns = {
    "deployed_model", "deployment_uid", "workspace_id", "key_id",   "time",
    "input_tokens",   "output_tokens",  "ptu",          "overflow", "http_status",
    "latency_ms",     "streamed",       "aborted",      "thinking"};

}  // namespace

const std::string& InsertWorkspaceSql() {
  static const std::string sql = InsertSql("workspaces", kWorkspaceColumns);
  return sql;
}

const std::string& SelectWorkspaceSql() {
  static const std::string sql = SelectSql("workspaces", kWorkspaceColumns);
  return sql;
}

void BindWorkspace(Statement& st, const Workspace& w) {
  Binder b(st);
  b.Text(w.workspace_id);
  b.Text(w.name);
  b.Time(w.created);
}

Workspace ReadWorkspace(const Statement& st) {
  Reader r(st);
  Workspace w;
  w.workspace_id = r.Text();
  w.name = r.Text();
  w.created = r.Time();
  return w;
}

const std::string& InsertApiKeySql() {
  static const std::string sql = InsertSql("api_keys", kApiKeyColumns);
  return sql;
}

const std::string& SelectApiKeySql() {
  static const std::string sql = SelectSql("api_keys", kApiKeyColumns);
  return sql;
}

void BindApiKey(Statement& st, const ApiKey& k) {
  Binder b(st);
  b.Text(k.key_id);
  b.Text(k.workspace_id);
  b.Text(k.key_hash);
  b.Text(k.key_prefix);
  b.Bool(k.admin);
  b.Time(k.created);
}

ApiKey ReadApiKey(const Statement& st) {
  Reader r(st);
  ApiKey k;
  k.key_id = r.Text();
  k.workspace_id = r.Text();
  k.key_hash = r.Text();
  k.key_prefix = r.Text();
  k.admin = r.Bool();
  k.created = r.Time();
  return k;
}

const std::string& InsertCustomModelSql() {
  static const std::string sql = InsertSql("custom_models", kCustomModelColumns);
  return sql;
}

const std::string& SelectCustomModelSql() {
  static const std::string sql = SelectSql("custom_models", kCustomModelColumns);
  return sql;
}

void BindCustomModel(Statement& st, const CustomModel& m) {
  Binder b(st);
  b.Text(m.model_name);
  b.Text(m.base_model);
  b.Text(JoinPlans(m.plans));
  b.Time(m.created);
}

StatusOr<CustomModel> ReadCustomModel(const Statement& st) {
  Reader r(st);
  CustomModel m;
  m.model_name = r.Text();
  m.base_model = r.Text();
  std::string plans = r.Text();
  m.created = r.Time();
  ASSIGN_OR_RETURN(m.plans, SplitPlans(plans));
  return m;
}

const std::string& InsertUsageSql() {
  static const std::string sql = InsertSql("usage_records", kUsageColumns);
  return sql;
}

const std::string& SelectUsageSql() {
  static const std::string sql = SelectSql("usage_records", kUsageColumns);
  return sql;
}

void BindUsage(Statement& st, const UsageRecord& u) {
  Binder b(st);
  b.Text(u.deployed_model);
  b.Text(u.deployment_uid);
  b.Text(u.workspace_id);
  b.Text(u.key_id);
  b.Time(u.time);
  b.Int(u.input_tokens);
  b.Int(u.output_tokens);
  b.Bool(u.ptu);
  b.Bool(u.overflow);
  b.Int(u.http_status);
  b.Int(u.latency_ms);
  b.Bool(u.streamed);
  b.Bool(u.aborted);
  b.Bool(u.thinking);
}

UsageRecord ReadUsage(const Statement& st) {
  Reader r(st);
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

std::string JoinPlans(const std::vector<Plan>& plans) {
  std::string out;
  for (Plan plan : plans) {
    if (!out.empty()) out += ",";
    out += PlanName(plan);
  }
  return out;
}

StatusOr<std::vector<Plan>> SplitPlans(std::string_view text) {
  std::vector<Plan> plans;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    std::optional<Plan> plan = ParsePlan(name);
    if (!plan) return Corrupt("custom model", "plan", name);
    plans.push_back(*plan);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return plans;
}

}  // namespace berth::sqlite
