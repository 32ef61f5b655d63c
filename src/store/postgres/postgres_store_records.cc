// PostgresStore's records besides deployments: workspaces, API keys, custom models and usage.
#include <algorithm>
#include <utility>

#include "store/postgres/pg_codec.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"

namespace berth {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;
using pg::TxMode;

// Usage rows per INSERT: 14 parameters each, well under PostgreSQL's 65535 per statement.
constexpr size_t kUsageRowsPerInsert = 1000;

// Runs one insert; a unique-key collision becomes AlreadyExists(`taken`).
Status Insert(pg::Pool& pool, const std::string& sql, const Params& params, std::string taken) {
  return pool.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    Status status = db.Exec(sql, params).status();
    if (status.code() == StatusCode::kAlreadyExists) return AlreadyExists(std::move(taken));
    return status;
  });
}

// Deletes the row of `table` whose `key_column` is `key`; NotFound(`missing`) if none.
Status DeleteByKey(pg::Pool& pool, const std::string& table, const std::string& key_column,
                   const std::string& key, std::string missing) {
  return pool.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(
        Result removed,
        db.Exec("DELETE FROM " + table + " WHERE " + key_column + " = $1", Params().Text(key)));
    if (removed.affected() == 0) return NotFound(std::move(missing));
    return Status::Ok();
  });
}

// Runs one read and collects its rows with `read`.
template <typename T, typename ReadFn>
StatusOr<std::vector<T>> ReadAll(pg::Pool& pool, const std::string& sql, const Params& params,
                                 ReadFn read) {
  std::vector<T> out;
  RETURN_IF_ERROR(pool.Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result rows, db.Exec(sql, params));
    ASSIGN_OR_RETURN(out, pg::CollectRows<T>(rows, read));
    return Status::Ok();
  }));
  return out;
}

// The start of the UTC hour of `time` (ms), floored for times before 1970 as well.
constexpr char kHourOfTime[] = "(time - ((time % 3600000) + 3600000) % 3600000)";
constexpr char kFromUsageOf[] =
    " FROM usage_records WHERE deployed_model = $1 AND deployment_uid = $2"
    " AND time >= $3 AND time < $4";

Params UsageQueryParams(const UsageQuery& query) {
  return Params()
      .Text(query.deployed_model)
      .Text(query.deployment_uid)
      .Int(ToUnixMillis(query.start))
      .Int(ToUnixMillis(query.end));
}

UsageHour ReadUsageHour(pg::Row r) {
  UsageHour h;
  h.hour = r.Time();
  UsageTotals& t = h.totals;
  t.requests = r.Int();
  t.input_tokens = r.Int();
  t.output_tokens = r.Int();
  t.streamed = r.Int();
  t.ptu_requests = r.Int();
  t.overflow_requests = r.Int();
  t.errors = r.Int();
  t.aborted = r.Int();
  t.latency_ms_sum = r.Int();
  return h;
}

TokenUsage ReadTokenSums(pg::Row r) {
  TokenUsage t;
  t.time = r.Time();
  t.input_tokens = r.Int();
  t.output_tokens = r.Int();
  t.thinking = r.Bool();
  t.overflow = r.Bool();
  return t;
}

}  // namespace

Status PostgresStore::CreateWorkspace(const Workspace& w) {
  Params params;
  pg::BindWorkspace(params, w);
  return Insert(*pool_, pg::InsertWorkspaceSql(), params,
                "workspace " + w.workspace_id + " already exists");
}

StatusOr<std::vector<Workspace>> PostgresStore::ListWorkspaces() {
  return ReadAll<Workspace>(*pool_, pg::SelectWorkspaceSql() + " ORDER BY created, workspace_id",
                            {}, pg::ReadWorkspace);
}

StatusOr<Workspace> PostgresStore::GetWorkspace(const std::string& workspace_id) {
  ASSIGN_OR_RETURN(std::vector<Workspace> found,
                   ReadAll<Workspace>(*pool_, pg::SelectWorkspaceSql() + " WHERE workspace_id = $1",
                                      Params().Text(workspace_id), pg::ReadWorkspace));
  if (found.empty()) return NotFound("workspace " + workspace_id + " not found");
  return std::move(found.front());
}

Status PostgresStore::CreateApiKey(const ApiKey& key) {
  Params params;
  pg::BindApiKey(params, key);
  return Insert(*pool_, pg::InsertApiKeySql(), params,
                "api key " + key.key_id + " (or its secret) already exists");
}

StatusOr<std::vector<ApiKey>> PostgresStore::ListApiKeys() {
  return ReadAll<ApiKey>(*pool_, pg::SelectApiKeySql() + " ORDER BY created, key_id", {},
                         pg::ReadApiKey);
}

Status PostgresStore::DeleteApiKey(const std::string& key_id) {
  return DeleteByKey(*pool_, "api_keys", "key_id", key_id, "api key " + key_id + " not found");
}

Status PostgresStore::CreateCustomModel(const CustomModel& m) {
  Params params;
  pg::BindCustomModel(params, m);
  return Insert(*pool_, pg::InsertCustomModelSql(), params,
                "custom model " + m.model_name + " already exists");
}

StatusOr<std::vector<CustomModel>> PostgresStore::ListCustomModels() {
  return ReadAll<CustomModel>(*pool_, pg::SelectCustomModelSql() + " ORDER BY model_name", {},
                              pg::ReadCustomModel);
}

Status PostgresStore::DeleteCustomModel(const std::string& model_name) {
  return DeleteByKey(*pool_, "custom_models", "model_name", model_name,
                     "custom model " + model_name + " not found");
}

Status PostgresStore::AppendUsage(const std::vector<UsageRecord>& records) {
  if (records.empty()) return Status::Ok();
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    for (size_t first = 0; first < records.size(); first += kUsageRowsPerInsert) {
      size_t count = std::min(kUsageRowsPerInsert, records.size() - first);
      Params params;
      for (size_t i = first; i < first + count; ++i) pg::BindUsage(params, records[i]);
      RETURN_IF_ERROR(db.Exec(pg::InsertUsageSql(count), params).status());
    }
    return Status::Ok();
  });
}

StatusOr<std::vector<UsageRecord>> PostgresStore::ListUsage(const std::string& deployed_model,
                                                            SystemTime start, SystemTime end) {
  return ReadAll<UsageRecord>(
      *pool_,
      pg::SelectUsageSql() +
          " WHERE deployed_model = $1 AND time >= $2 AND time < $3 ORDER BY time, id",
      Params().Text(deployed_model).Int(ToUnixMillis(start)).Int(ToUnixMillis(end)), pg::ReadUsage);
}

StatusOr<std::vector<UsageHour>> PostgresStore::SumUsageByHour(const UsageQuery& query) {
  return ReadAll<UsageHour>(
      *pool_,
      std::string("SELECT ") + kHourOfTime +
          " AS hour, SUM(requests), SUM(input_tokens), SUM(output_tokens),"
          " SUM(streamed::int * requests), SUM((ptu AND NOT overflow)::int * requests),"
          " SUM(overflow::int * requests), SUM((http_status >= 400)::int * requests),"
          " SUM(aborted::int * requests), SUM(latency_ms)" +
          kFromUsageOf + " GROUP BY hour ORDER BY hour",
      UsageQueryParams(query), ReadUsageHour);
}

StatusOr<std::vector<TokenUsage>> PostgresStore::SumTokensByHour(const UsageQuery& query) {
  return ReadAll<TokenUsage>(*pool_,
                             std::string("SELECT MIN(time), SUM(input_tokens),"
                                         " SUM(output_tokens), thinking, overflow") +
                                 kFromUsageOf + " GROUP BY " + kHourOfTime +
                                 ", thinking, overflow ORDER BY 1, 4, 5",
                             UsageQueryParams(query), ReadTokenSums);
}

}  // namespace berth
