// The SQLite side of the record codec (store/record_codec.h): the SQL text of each table, with
// ?N parameters, and each record bound to or read from a Statement.
#include "store/sqlite/codec.h"

#include <array>
#include <initializer_list>

#include "store/record_codec.h"
#include "store/sqlite/row_codec.h"

namespace berth::sqlite {
using codec::ColumnList;

#define BERTH_SQLITE_SQL(name, expr)       \
  const std::string& name() {              \
    static const std::string sql = (expr); \
    return sql;                            \
  }

BERTH_SQLITE_SQL(SelectDeploymentSql, SelectSql("deployments", codec::kDeploymentColumns))
BERTH_SQLITE_SQL(InsertDeploymentSql, InsertSql("deployments", codec::kDeploymentColumns))
BERTH_SQLITE_SQL(InsertEventSql, InsertSql("deployment_events", codec::kEventColumns))
BERTH_SQLITE_SQL(SelectEventsByUidSql, "SELECT seq, " + ColumnList(codec::kEventColumns) +
                                           " FROM deployment_events WHERE uid = ?1 ORDER BY seq")
BERTH_SQLITE_SQL(InsertIncarnationSql, InsertSql("incarnations", codec::kIncarnationColumns))
BERTH_SQLITE_SQL(SelectIncarnationSql, SelectSql("incarnations", codec::kIncarnationColumns))
BERTH_SQLITE_SQL(InsertWorkspaceSql, InsertSql("workspaces", codec::kWorkspaceColumns))
BERTH_SQLITE_SQL(SelectWorkspaceSql, SelectSql("workspaces", codec::kWorkspaceColumns))
BERTH_SQLITE_SQL(InsertApiKeySql, InsertSql("api_keys", codec::kApiKeyColumns))
BERTH_SQLITE_SQL(SelectApiKeySql, SelectSql("api_keys", codec::kApiKeyColumns))
BERTH_SQLITE_SQL(InsertCustomModelSql, InsertSql("custom_models", codec::kCustomModelColumns))
BERTH_SQLITE_SQL(SelectCustomModelSql, SelectSql("custom_models", codec::kCustomModelColumns))
BERTH_SQLITE_SQL(SelectUsageSql, SelectSql("usage_records", codec::kUsageColumns))
#undef BERTH_SQLITE_SQL

const std::string& InsertUsageSql(size_t rows) {
  static const std::array<std::string, kUsageRowsPerInsert + 1> sql = [] {
    std::array<std::string, kUsageRowsPerInsert + 1> all;
    for (size_t n = 1; n <= kUsageRowsPerInsert; ++n) {
      all[n] = InsertSql("usage_records", codec::kUsageColumns, n);
    }
    return all;
  }();
  return sql.at(rows);
}

void BindUsageRows(Statement& st, std::span<const UsageRecord> records) {
  const int columns = static_cast<int>(codec::kUsageColumns.size());
  for (size_t i = 0; i < records.size(); ++i) {
    Binder b(st, 1 + static_cast<int>(i) * columns, /*static_text=*/true);
    codec::EncodeUsage(b, records[i]);
  }
}

const std::string& UpdateDeploymentSql() {
  static const std::string sql = codec::UpdateDeploymentSql('?');
  return sql;
}

int DeploymentParamCount() { return static_cast<int>(codec::kDeploymentColumns.size()); }

void BindDeployment(Statement& st, const Deployment& d, int64_t version) {
  Binder b(st);
  codec::EncodeDeployment(b, d, version);
}

// Each record bound to ?1..?N of its insert.
#define BERTH_SQLITE_BIND(type, name, encode)    \
  void name(Statement& st, const type& record) { \
    Binder b(st);                                \
    codec::encode(b, record);                    \
  }

BERTH_SQLITE_BIND(DeploymentEvent, BindEvent, EncodeEvent)
BERTH_SQLITE_BIND(Incarnation, BindIncarnation, EncodeIncarnation)
BERTH_SQLITE_BIND(Workspace, BindWorkspace, EncodeWorkspace)
BERTH_SQLITE_BIND(ApiKey, BindApiKey, EncodeApiKey)
BERTH_SQLITE_BIND(CustomModel, BindCustomModel, EncodeCustomModel)
#undef BERTH_SQLITE_BIND

// Each record read from the current row of its select.
#define BERTH_SQLITE_READ(type, name, decode) \
  type name(const Statement& st) {            \
    Reader r(st);                             \
    return codec::decode(r);                  \
  }

BERTH_SQLITE_READ(StatusOr<Deployment>, ReadDeployment, DecodeDeployment)
BERTH_SQLITE_READ(StatusOr<DeploymentEvent>, ReadEvent, DecodeEvent)
BERTH_SQLITE_READ(StatusOr<Incarnation>, ReadIncarnation, DecodeIncarnation)
BERTH_SQLITE_READ(Workspace, ReadWorkspace, DecodeWorkspace)
BERTH_SQLITE_READ(ApiKey, ReadApiKey, DecodeApiKey)
BERTH_SQLITE_READ(StatusOr<CustomModel>, ReadCustomModel, DecodeCustomModel)
BERTH_SQLITE_READ(UsageRecord, ReadUsage, DecodeUsage)
#undef BERTH_SQLITE_READ

}  // namespace berth::sqlite
