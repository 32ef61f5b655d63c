// Codec: how each record maps to the columns of its SQLite table: the SQL text with ?N
// parameters, and each record bound or read through store/record_codec.h (shared with
// PostgreSQL), so the SQL text and the binding order cannot drift apart. Pure functions over a
// Statement; callable from any thread that holds the statement's connection.
#pragma once

#include <bit>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/deployment.h"
#include "store/records.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

// --- deployments: every field, in the column order of the schema ---
// "SELECT <all columns> FROM deployments" (append WHERE / ORDER BY).
const std::string& SelectDeploymentSql();
// INSERT binding ?1..?N.
const std::string& InsertDeploymentSql();
// UPDATE of every column but the key, binding ?1..?N and ?N+1 = the expected stored version.
const std::string& UpdateDeploymentSql();
// Binds `d` to ?1..?N with `version` as the version column.
void BindDeployment(Statement& st, const Deployment& d, int64_t version);
// The index of the parameter following the deployment's columns.
int DeploymentParamCount();
// The deployment in the current row of a SelectDeploymentSql() statement.
StatusOr<Deployment> ReadDeployment(const Statement& st);

// --- deployment events ---
const std::string& InsertEventSql();
const std::string& SelectEventsByUidSql();
void BindEvent(Statement& st, const DeploymentEvent& e);
StatusOr<DeploymentEvent> ReadEvent(const Statement& st);

// --- incarnations ---
const std::string& InsertIncarnationSql();
const std::string& SelectIncarnationSql();
void BindIncarnation(Statement& st, const Incarnation& i);
StatusOr<Incarnation> ReadIncarnation(const Statement& st);

// --- workspaces, keys, custom models, usage ---
const std::string& InsertWorkspaceSql();
const std::string& SelectWorkspaceSql();
void BindWorkspace(Statement& st, const Workspace& w);
Workspace ReadWorkspace(const Statement& st);

const std::string& InsertApiKeySql();
const std::string& SelectApiKeySql();
void BindApiKey(Statement& st, const ApiKey& k);
ApiKey ReadApiKey(const Statement& st);

const std::string& InsertCustomModelSql();
const std::string& SelectCustomModelSql();
void BindCustomModel(Statement& st, const CustomModel& m);
StatusOr<CustomModel> ReadCustomModel(const Statement& st);

// Usage records go in by up to kUsageRowsPerInsert rows per statement (one step, one VM run).
// A power of two (AppendUsage splits a batch into power-of-two runs).
inline constexpr size_t kUsageRowsPerInsert = 32;
static_assert(std::has_single_bit(kUsageRowsPerInsert));
// The insert of `rows` records (1..kUsageRowsPerInsert).
const std::string& InsertUsageSql(size_t rows);
const std::string& SelectUsageSql();
// Binds `records` to the insert of records.size() rows; they must outlive the Statement.
void BindUsageRows(Statement& st, std::span<const UsageRecord> records);
UsageRecord ReadUsage(const Statement& st);

}  // namespace berth::sqlite

namespace berth::sqlite {

// Steps `st` to its end and collects read(st) of every row; `read` returns T or StatusOr<T>.
template <typename T, typename ReadFn>
StatusOr<std::vector<T>> CollectRows(Statement& st, ReadFn read) {
  std::vector<T> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, st.Step());
    if (!has_row) return rows;
    if constexpr (std::is_same_v<decltype(read(st)), T>) {
      rows.push_back(read(st));
    } else {
      ASSIGN_OR_RETURN(T row, read(st));
      rows.push_back(std::move(row));
    }
  }
}

}  // namespace berth::sqlite
