// RecordCodec: how each record maps to the columns of its table, once for both stores (SQLite
// and PostgreSQL), so their column order, encodings and checks cannot drift apart. The column
// lists give the order; Encode* writes a record through the store's binder (successive
// parameters) and Decode* reads it back through its row reader (successive columns). Both are
// small classes of the store with the same member names:
//   binder: Text(string_view), Int(int64_t), Bool(bool), OptionalBool(optional<bool>),
//           Time(SystemTime), OptionalInt(optional<int64_t>)
//   reader: Text(), Int(), Int32(), Bool(), OptionalBool(), Time(), OptionalInt()
// A stored enum name this berth does not know is Internal ("Corrupt"), never a default.
// Pure; any thread. Called by store/sqlite/codec*.cc and store/postgres/pg_codec.cc only.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/deployment.h"
#include "core/workspace.h"
#include "store/records.h"

namespace berth::codec {

// The order of these lists is the order of Encode* and Decode* below. Related columns share a
// line; clang-format would put each on its own.
// clang-format off
inline constexpr std::initializer_list<const char*> kDeploymentColumns = {
    "deployed_model", "uid", "name", "model_name", "base_model", "workspace_id",
    "plan", "model_unit_spec", "base_capacity", "capacity", "ready_capacity",
    "charge_type", "billing_method", "creator", "modifier",
    "enable_thinking", "max_context_length", "rpm_limit", "tpm_limit",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "overflow_strategy",
    "desired", "status", "fail_reason", "created", "modified", "version"};
// seq is assigned by the database: inserted never, selected first (DecodeEvent reads it).
inline constexpr std::initializer_list<const char*> kEventColumns = {
    "deployed_model", "uid", "time", "type", "message",
    "status", "capacity", "ready_capacity", "actor",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm"};
inline constexpr std::initializer_list<const char*> kIncarnationColumns = {
    "uid", "deployed_model", "workspace_id", "model_name", "plan", "model_unit_spec",
    "base_capacity", "charge_type", "billing_method",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "created", "deleted"};
inline constexpr std::initializer_list<const char*> kWorkspaceColumns = {
    "workspace_id", "name", "created"};
inline constexpr std::initializer_list<const char*> kApiKeyColumns = {
    "key_id", "workspace_id", "key_hash", "key_prefix", "admin", "created"};
inline constexpr std::initializer_list<const char*> kCustomModelColumns = {
    "model_name", "base_model", "plans", "created"};
inline constexpr std::initializer_list<const char*> kUsageColumns = {
    "deployed_model", "deployment_uid", "workspace_id", "key_id", "time",
    "input_tokens", "output_tokens", "ptu", "overflow", "http_status",
    "latency_ms", "streamed", "aborted", "thinking", "requests"};
// clang-format on

// SQL text over the column lists, with the store's parameter mark ('?' for SQLite, '$' for
// PostgreSQL): "a, b, c"; "(?1, ?2)" from `first`; "INSERT INTO t (a, b) VALUES (?1, ?2)"
// (with `rows` > 1: "VALUES (?1, ?2), (?3, ?4)", one tuple per row);
// "SELECT a, b FROM t"; and the UPDATE of every deployment column but the key (bound first),
// with the expected stored version bound after the columns.
std::string ColumnList(std::initializer_list<const char*> columns);
std::string Placeholders(char mark, size_t first, size_t count);
std::string InsertSql(char mark, const char* table, std::initializer_list<const char*> columns,
                      size_t rows = 1);
std::string SelectSql(const char* table, std::initializer_list<const char*> columns);
std::string UpdateDeploymentSql(char mark);

// Internal: a stored enum name this berth does not know (a newer berth wrote it, or damage).
Status Corrupt(std::string_view record, std::string_view field, std::string_view value);

// `parsed` (the parse of the stored `value`), or Corrupt.
template <typename Enum>
StatusOr<Enum> Known(std::optional<Enum> parsed, std::string_view record, std::string_view field,
                     std::string_view value) {
  if (!parsed) return Corrupt(record, field, value);
  return *parsed;
}

// Plans as a comma list of their API names ("mu,lora"), and back. Corrupt on an unknown name.
std::string JoinPlans(const std::vector<Plan>& plans);
StatusOr<std::vector<Plan>> SplitPlans(std::string_view text);

// A ptu capacity as three nullable columns: input_tpm, output_tpm, thinking_output_tpm.
template <typename Binder>
void EncodePtu(Binder& b, const std::optional<PtuCapacity>& ptu) {
  b.OptionalInt(ptu ? std::optional<int64_t>(ptu->input_tpm) : std::nullopt);
  b.OptionalInt(ptu ? std::optional<int64_t>(ptu->output_tpm) : std::nullopt);
  b.OptionalInt(ptu ? ptu->thinking_output_tpm : std::nullopt);
}

template <typename Reader>
std::optional<PtuCapacity> DecodePtu(Reader& r) {
  std::optional<int64_t> input_tpm = r.OptionalInt();
  std::optional<int64_t> output_tpm = r.OptionalInt();
  std::optional<int64_t> thinking_tpm = r.OptionalInt();
  if (!input_tpm) return std::nullopt;
  return PtuCapacity{*input_tpm, output_tpm.value_or(0), thinking_tpm};
}

template <typename Binder>
void EncodeDeployment(Binder& b, const Deployment& d, int64_t version) {
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
  b.OptionalBool(d.enable_thinking);
  b.OptionalInt(d.max_context_length);
  b.OptionalInt(d.rpm_limit);
  b.OptionalInt(d.tpm_limit);
  EncodePtu(b, d.ptu_capacity);
  b.Text(d.overflow_strategy);
  b.Text(DesiredStateName(d.desired));
  b.Text(StatusName(d.status));
  b.Text(d.fail_reason);
  b.Time(d.created);
  b.Time(d.modified);
  b.Int(version);
}

template <typename Reader>
StatusOr<Deployment> DecodeDeployment(Reader& r) {
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
  d.ptu_capacity = DecodePtu(r);
  d.overflow_strategy = r.Text();
  std::string desired = r.Text();
  std::string status = r.Text();
  d.fail_reason = r.Text();
  d.created = r.Time();
  d.modified = r.Time();
  d.version = r.Int();
  const std::string record = "deployment " + d.deployed_model;
  ASSIGN_OR_RETURN(d.plan, Known(ParsePlan(plan), record, "plan", plan));
  ASSIGN_OR_RETURN(d.desired, Known(ParseDesiredState(desired), record, "desired state", desired));
  ASSIGN_OR_RETURN(d.status, Known(ParseStatus(status), record, "status", status));
  return d;
}

template <typename Binder>
void EncodeEvent(Binder& b, const DeploymentEvent& e) {
  b.Text(e.deployed_model);
  b.Text(e.uid);
  b.Time(e.time);
  b.Text(e.type);
  b.Text(e.message);
  b.Text(StatusName(e.status));
  b.Int(e.capacity);
  b.Int(e.ready_capacity);
  b.Text(e.actor);
  EncodePtu(b, e.ptu_capacity);
}

// Reads seq first: the event selects put it before kEventColumns.
template <typename Reader>
StatusOr<DeploymentEvent> DecodeEvent(Reader& r) {
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
  e.ptu_capacity = DecodePtu(r);
  ASSIGN_OR_RETURN(e.status,
                   Known(ParseStatus(status), "event " + std::to_string(e.seq), "status", status));
  return e;
}

template <typename Binder>
void EncodeIncarnation(Binder& b, const Incarnation& i) {
  b.Text(i.uid);
  b.Text(i.deployed_model);
  b.Text(i.workspace_id);
  b.Text(i.model_name);
  b.Text(PlanName(i.plan));
  b.Text(i.model_unit_spec);
  b.Int(i.base_capacity);
  b.Text(i.charge_type);
  b.Text(i.billing_method);
  EncodePtu(b, i.ptu_capacity);
  b.Time(i.created);
  b.OptionalInt(i.deleted ? std::optional<int64_t>(ToUnixMillis(*i.deleted)) : std::nullopt);
}

template <typename Reader>
StatusOr<Incarnation> DecodeIncarnation(Reader& r) {
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
  i.ptu_capacity = DecodePtu(r);
  i.created = r.Time();
  if (std::optional<int64_t> deleted = r.OptionalInt()) i.deleted = FromUnixMillis(*deleted);
  ASSIGN_OR_RETURN(i.plan, Known(ParsePlan(plan), "incarnation " + i.uid, "plan", plan));
  return i;
}

template <typename Binder>
void EncodeWorkspace(Binder& b, const Workspace& w) {
  b.Text(w.workspace_id);
  b.Text(w.name);
  b.Time(w.created);
}

template <typename Reader>
Workspace DecodeWorkspace(Reader& r) {
  Workspace w;
  w.workspace_id = r.Text();
  w.name = r.Text();
  w.created = r.Time();
  return w;
}

template <typename Binder>
void EncodeApiKey(Binder& b, const ApiKey& k) {
  b.Text(k.key_id);
  b.Text(k.workspace_id);
  b.Text(k.key_hash);
  b.Text(k.key_prefix);
  b.Bool(k.admin);
  b.Time(k.created);
}

template <typename Reader>
ApiKey DecodeApiKey(Reader& r) {
  ApiKey k;
  k.key_id = r.Text();
  k.workspace_id = r.Text();
  k.key_hash = r.Text();
  k.key_prefix = r.Text();
  k.admin = r.Bool();
  k.created = r.Time();
  return k;
}

template <typename Binder>
void EncodeCustomModel(Binder& b, const CustomModel& m) {
  b.Text(m.model_name);
  b.Text(m.base_model);
  b.Text(JoinPlans(m.plans));
  b.Time(m.created);
}

template <typename Reader>
StatusOr<CustomModel> DecodeCustomModel(Reader& r) {
  CustomModel m;
  m.model_name = r.Text();
  m.base_model = r.Text();
  std::string plans = r.Text();
  m.created = r.Time();
  ASSIGN_OR_RETURN(m.plans, SplitPlans(plans));
  return m;
}

template <typename Binder>
void EncodeUsage(Binder& b, const UsageRecord& u) {
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
  b.Int(u.requests);
}

template <typename Reader>
UsageRecord DecodeUsage(Reader& r) {
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
  u.requests = r.Int();
  return u;
}

}  // namespace berth::codec
