// How each record maps to the columns of its PostgreSQL table: the SQL text with $N parameters,
// and the binder (Params) and row reader (Row) over which store/record_codec.h, shared with
// SQLite, encodes and decodes every record. Pure functions; callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "core/deployment.h"
#include "core/workspace.h"
#include "store/postgres/pg_connection.h"
#include "store/records.h"

namespace berth::pg {

// Reads successive columns 0, 1, ... of one row of a result.
class Row {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  std::string Text() { return result_.Text(row_, next_++); }
  int64_t Int() { return result_.Int(row_, next_++); }
  int Int32() { return static_cast<int>(result_.Int(row_, next_++)); }
  bool Bool() { return result_.Bool(row_, next_++); }
  SystemTime Time() { return FromUnixMillis(result_.Int(row_, next_++)); }
  std::optional<int64_t> OptionalInt() { return result_.OptionalInt(row_, next_++); }
  std::optional<bool> OptionalBool() {
    if (result_.IsNull(row_, next_)) {
      ++next_;
      return std::nullopt;
    }
    return Bool();
  }

 private:
  const Result& result_;
  int row_;
  int next_ = 0;
};

// "SELECT <columns> FROM <table>" of each record (append WHERE / ORDER BY).
const std::string& SelectDeploymentSql();
const std::string& SelectEventSql();
const std::string& SelectIncarnationSql();
const std::string& SelectWorkspaceSql();
const std::string& SelectApiKeySql();
const std::string& SelectCustomModelSql();
const std::string& SelectUsageSql();

// "INSERT INTO <table> (<columns>) VALUES ($1..$N)".
const std::string& InsertDeploymentSql();
const std::string& InsertEventSql();
const std::string& InsertIncarnationSql();
const std::string& InsertWorkspaceSql();
const std::string& InsertApiKeySql();
const std::string& InsertCustomModelSql();
// A multi-row insert of `rows` usage records.
std::string InsertUsageSql(size_t rows);

// UPDATE of every deployment column but the key, binding $1..$N (as BindDeployment) and
// $N+1 = the expected stored version.
const std::string& UpdateDeploymentSql();
int DeploymentParamCount();

void BindDeployment(Params& p, const Deployment& d, int64_t version);
void BindEvent(Params& p, const DeploymentEvent& e);
void BindIncarnation(Params& p, const Incarnation& i);
void BindWorkspace(Params& p, const Workspace& w);
void BindApiKey(Params& p, const ApiKey& k);
void BindCustomModel(Params& p, const CustomModel& m);
void BindUsage(Params& p, const UsageRecord& u);

StatusOr<Deployment> ReadDeployment(Row r);
StatusOr<DeploymentEvent> ReadEvent(Row r);
StatusOr<Incarnation> ReadIncarnation(Row r);
Workspace ReadWorkspace(Row r);
ApiKey ReadApiKey(Row r);
StatusOr<CustomModel> ReadCustomModel(Row r);
UsageRecord ReadUsage(Row r);

// Every row of `result` read by `read` (returning T or StatusOr<T>).
template <typename T, typename ReadFn>
StatusOr<std::vector<T>> CollectRows(const Result& result, ReadFn read) {
  std::vector<T> rows;
  rows.reserve(result.rows());
  for (int i = 0; i < result.rows(); ++i) {
    if constexpr (std::is_same_v<decltype(read(Row(result, i))), T>) {
      rows.push_back(read(Row(result, i)));
    } else {
      ASSIGN_OR_RETURN(T row, read(Row(result, i)));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace berth::pg
