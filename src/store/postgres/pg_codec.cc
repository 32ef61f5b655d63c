// The PostgreSQL side of the record codec (store/record_codec.h): the SQL text of each table,
// with $N parameters, and each record bound to Params or read from a Row.
#include "store/postgres/pg_codec.h"

#include <initializer_list>

#include "store/record_codec.h"

namespace berth::pg {
namespace {

using codec::ColumnList;
using codec::SelectSql;

// The binder of store/record_codec.h over Params: appends successive parameters.
class Binder {
 public:
  explicit Binder(Params& p) : p_(p) {}
  void Text(std::string_view v) { p_.Text(v); }
  void Int(int64_t v) { p_.Int(v); }
  void Bool(bool v) { p_.Bool(v); }
  void Time(SystemTime t) { p_.Int(ToUnixMillis(t)); }
  void OptionalInt(const std::optional<int64_t>& v) { p_.OptionalInt(v); }
  void OptionalBool(const std::optional<bool>& v) {
    if (v) {
      p_.Bool(*v);
    } else {
      p_.Null();
    }
  }

 private:
  Params& p_;
};

constexpr char kMark = '$';

std::string InsertSql(const char* table, std::initializer_list<const char*> columns) {
  return codec::InsertSql(kMark, table, columns);
}

}  // namespace

#define BERTH_PG_SQL(name, expr)           \
  const std::string& name() {              \
    static const std::string sql = (expr); \
    return sql;                            \
  }

BERTH_PG_SQL(SelectDeploymentSql, SelectSql("deployments", codec::kDeploymentColumns))
BERTH_PG_SQL(SelectEventSql,
             "SELECT seq, " + ColumnList(codec::kEventColumns) + " FROM deployment_events")
BERTH_PG_SQL(SelectIncarnationSql, SelectSql("incarnations", codec::kIncarnationColumns))
BERTH_PG_SQL(SelectWorkspaceSql, SelectSql("workspaces", codec::kWorkspaceColumns))
BERTH_PG_SQL(SelectApiKeySql, SelectSql("api_keys", codec::kApiKeyColumns))
BERTH_PG_SQL(SelectCustomModelSql, SelectSql("custom_models", codec::kCustomModelColumns))
BERTH_PG_SQL(SelectUsageSql, SelectSql("usage_records", codec::kUsageColumns))
BERTH_PG_SQL(InsertDeploymentSql, InsertSql("deployments", codec::kDeploymentColumns))
BERTH_PG_SQL(InsertEventSql, InsertSql("deployment_events", codec::kEventColumns))
BERTH_PG_SQL(InsertIncarnationSql, InsertSql("incarnations", codec::kIncarnationColumns))
BERTH_PG_SQL(InsertWorkspaceSql, InsertSql("workspaces", codec::kWorkspaceColumns))
BERTH_PG_SQL(InsertApiKeySql, InsertSql("api_keys", codec::kApiKeyColumns))
BERTH_PG_SQL(InsertCustomModelSql, InsertSql("custom_models", codec::kCustomModelColumns))
#undef BERTH_PG_SQL

std::string InsertUsageSql(size_t rows) {
  return codec::InsertSql(kMark, "usage_records", codec::kUsageColumns, rows);
}

const std::string& UpdateDeploymentSql() {
  static const std::string sql = codec::UpdateDeploymentSql(kMark);
  return sql;
}

int DeploymentParamCount() { return static_cast<int>(codec::kDeploymentColumns.size()); }

void BindDeployment(Params& p, const Deployment& d, int64_t version) {
  Binder b(p);
  codec::EncodeDeployment(b, d, version);
}

// Each record appended as the next parameters.
#define BERTH_PG_BIND(type, name, encode)    \
  void name(Params& p, const type& record) { \
    Binder b(p);                             \
    codec::encode(b, record);                \
  }

BERTH_PG_BIND(DeploymentEvent, BindEvent, EncodeEvent)
BERTH_PG_BIND(Incarnation, BindIncarnation, EncodeIncarnation)
BERTH_PG_BIND(Workspace, BindWorkspace, EncodeWorkspace)
BERTH_PG_BIND(ApiKey, BindApiKey, EncodeApiKey)
BERTH_PG_BIND(CustomModel, BindCustomModel, EncodeCustomModel)
BERTH_PG_BIND(UsageRecord, BindUsage, EncodeUsage)
#undef BERTH_PG_BIND

StatusOr<Deployment> ReadDeployment(Row r) { return codec::DecodeDeployment(r); }
StatusOr<DeploymentEvent> ReadEvent(Row r) { return codec::DecodeEvent(r); }
StatusOr<Incarnation> ReadIncarnation(Row r) { return codec::DecodeIncarnation(r); }
Workspace ReadWorkspace(Row r) { return codec::DecodeWorkspace(r); }
ApiKey ReadApiKey(Row r) { return codec::DecodeApiKey(r); }
StatusOr<CustomModel> ReadCustomModel(Row r) { return codec::DecodeCustomModel(r); }
UsageRecord ReadUsage(Row r) { return codec::DecodeUsage(r); }

}  // namespace berth::pg
