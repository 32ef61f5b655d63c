// SqliteStore's records besides deployments: workspaces, API keys, custom models and usage.
#include <algorithm>
#include <bit>
#include <thread>
#include <utility>

#include "store/sqlite/codec.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/sqlite_store.h"

namespace berth {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// Runs an insert prepared from `sql` and bound by `bind`; a unique-key collision becomes
// AlreadyExists(`taken`).
template <typename BindFn>
Status Insert(Connection& db, const std::string& sql, BindFn bind, std::string taken) {
  ASSIGN_OR_RETURN(Statement insert, db.Prepare(sql));
  bind(insert);
  Status status = insert.Run();
  if (status.code() == StatusCode::kAlreadyExists) return AlreadyExists(std::move(taken));
  return status;
}

// Deletes the row of `table` whose `key_column` is `key`; NotFound(`missing`) if none.
Status DeleteByKey(Connection& db, const std::string& table, const std::string& key_column,
                   const std::string& key, std::string missing) {
  {
    ASSIGN_OR_RETURN(Statement remove,
                     db.Prepare("DELETE FROM " + table + " WHERE " + key_column + " = ?1"));
    remove.BindText(1, key);
    RETURN_IF_ERROR(remove.Run());
  }
  if (db.Changes() == 0) return NotFound(std::move(missing));
  return Status::Ok();
}

}  // namespace

Status SqliteStore::CreateWorkspace(const Workspace& w) {
  return writer_->Run([&](Connection& db) {
    return Insert(
        db, sqlite::InsertWorkspaceSql(), [&](Statement& st) { sqlite::BindWorkspace(st, w); },
        "workspace " + w.workspace_id + " already exists");
  });
}

StatusOr<std::vector<Workspace>> SqliteStore::ListWorkspaces() {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectWorkspaceSql() + " ORDER BY created, workspace_id"));
  return sqlite::CollectRows<Workspace>(select, sqlite::ReadWorkspace);
}

StatusOr<Workspace> SqliteStore::GetWorkspace(const std::string& workspace_id) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectWorkspaceSql() + " WHERE workspace_id = ?1"));
  select.BindText(1, workspace_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return NotFound("workspace " + workspace_id + " not found");
  return sqlite::ReadWorkspace(select);
}

Status SqliteStore::CreateApiKey(const ApiKey& key) {
  return writer_->Run([&](Connection& db) {
    return Insert(
        db, sqlite::InsertApiKeySql(), [&](Statement& st) { sqlite::BindApiKey(st, key); },
        "api key " + key.key_id + " (or its secret) already exists");
  });
}

StatusOr<std::vector<ApiKey>> SqliteStore::ListApiKeys() {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectApiKeySql() + " ORDER BY created, key_id"));
  return sqlite::CollectRows<ApiKey>(select, sqlite::ReadApiKey);
}

Status SqliteStore::DeleteApiKey(const std::string& key_id) {
  return writer_->Run([&](Connection& db) {
    return DeleteByKey(db, "api_keys", "key_id", key_id, "api key " + key_id + " not found");
  });
}

Status SqliteStore::CreateCustomModel(const CustomModel& m) {
  return writer_->Run([&](Connection& db) {
    return Insert(
        db, sqlite::InsertCustomModelSql(), [&](Statement& st) { sqlite::BindCustomModel(st, m); },
        "custom model " + m.model_name + " already exists");
  });
}

StatusOr<std::vector<CustomModel>> SqliteStore::ListCustomModels() {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectCustomModelSql() + " ORDER BY model_name"));
  return sqlite::CollectRows<CustomModel>(select, sqlite::ReadCustomModel);
}

Status SqliteStore::DeleteCustomModel(const std::string& model_name) {
  return writer_->Run([&](Connection& db) {
    return DeleteByKey(db, "custom_models", "model_name", model_name,
                       "custom model " + model_name + " not found");
  });
}

Status SqliteStore::AppendUsage(const std::vector<UsageRecord>& records) {
  if (records.empty()) return Status::Ok();
  return writer_->Run([&](Connection& db) -> Status {
    std::span<const UsageRecord> rest(records);
    while (!rest.empty()) {
      // Power-of-two row counts only: six statements serve every batch, each prepared once,
      // where one per count from 1 to 32 took a prepare (~300k instructions for 32 rows) the
      // first time each count came up, for the server's first minutes.
      std::span<const UsageRecord> rows =
          rest.first(std::bit_floor(std::min(rest.size(), sqlite::kUsageRowsPerInsert)));
      ASSIGN_OR_RETURN(Statement insert, db.Prepare(sqlite::InsertUsageSql(rows.size())));
      sqlite::BindUsageRows(insert, rows);
      RETURN_IF_ERROR(insert.Run());
      // A batch of usage takes this thread ~2 ms of CPU. Even at nice 10 (GroupCommitWriter),
      // a thread that wakes after sleeping starts with the scheduler's credit for its sleep, so
      // a network thread woken on the same core waited up to hundreds of microseconds (the
      // gateway's p99 at one request at a time: +250 us over nginx). Between statements (~90 us
      // each) such a thread goes first.
      std::this_thread::yield();
      rest = rest.subspan(rows.size());
    }
    return Status::Ok();
  });
}

StatusOr<std::vector<UsageRecord>> SqliteStore::ListUsage(const std::string& deployed_model,
                                                          SystemTime start, SystemTime end) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectUsageSql() +
                               " WHERE deployed_model = ?1 AND time >= ?2 AND time < ?3"
                               " ORDER BY time, id"));
  select.BindText(1, deployed_model);
  select.BindInt(2, ToUnixMillis(start));
  select.BindInt(3, ToUnixMillis(end));
  return sqlite::CollectRows<UsageRecord>(select, sqlite::ReadUsage);
}

namespace {

// The start of the UTC hour of `time` (ms), floored for times before 1970 as well.
constexpr char kHourOfTime[] = "(time - ((time % 3600000) + 3600000) % 3600000)";
constexpr char kFromUsageOf[] =
    " FROM usage_records WHERE deployed_model = ?1 AND deployment_uid = ?2"
    " AND time >= ?3 AND time < ?4";

void BindUsageQuery(Statement& st, const UsageQuery& query) {
  st.BindText(1, query.deployed_model);
  st.BindText(2, query.deployment_uid);
  st.BindInt(3, ToUnixMillis(query.start));
  st.BindInt(4, ToUnixMillis(query.end));
}

UsageHour ReadUsageHour(const Statement& st) {
  UsageHour h;
  h.hour = FromUnixMillis(st.Int(0));
  UsageTotals& t = h.totals;
  t.requests = st.Int(1);
  t.input_tokens = st.Int(2);
  t.output_tokens = st.Int(3);
  t.streamed = st.Int(4);
  t.ptu_requests = st.Int(5);
  t.overflow_requests = st.Int(6);
  t.errors = st.Int(7);
  t.aborted = st.Int(8);
  t.latency_ms_sum = st.Int(9);
  return h;
}

TokenUsage ReadTokenSums(const Statement& st) {
  return TokenUsage{FromUnixMillis(st.Int(0)), st.Int(1), st.Int(2), st.Int(3) != 0,
                    st.Int(4) != 0};
}

}  // namespace

StatusOr<std::vector<UsageHour>> SqliteStore::SumUsageByHour(const UsageQuery& query) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(std::string("SELECT ") + kHourOfTime +
                               " AS hour, SUM(requests), SUM(input_tokens), SUM(output_tokens),"
                               " SUM(streamed * requests), SUM((ptu AND NOT overflow) * requests),"
                               " SUM(overflow * requests), SUM((http_status >= 400) * requests),"
                               " SUM(aborted * requests), SUM(latency_ms)" +
                               kFromUsageOf + " GROUP BY hour ORDER BY hour"));
  BindUsageQuery(select, query);
  return sqlite::CollectRows<UsageHour>(select, ReadUsageHour);
}

StatusOr<std::vector<TokenUsage>> SqliteStore::SumTokensByHour(const UsageQuery& query) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(std::string("SELECT MIN(time), SUM(input_tokens),"
                                           " SUM(output_tokens), thinking, overflow") +
                               kFromUsageOf + " GROUP BY " + kHourOfTime +
                               ", thinking, overflow ORDER BY 1, 4, 5"));
  BindUsageQuery(select, query);
  return sqlite::CollectRows<TokenUsage>(select, ReadTokenSums);
}

}  // namespace berth
