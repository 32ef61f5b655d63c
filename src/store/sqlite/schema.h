// The SQLite schema of berth and the migrations that build it. Called once, by SqliteStore::Open,
// on the write connection before any other thread touches the database.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

// One step of the schema: running `sql` on a database at version `version` - 1 brings it to
// `version`. Migrations are append-only: a released one is never edited.
struct Migration {
  int version;
  std::string sql;
};

// berth's migrations, ordered by version, starting at 1.
const std::vector<Migration>& Migrations();

// Applies, in one transaction, every migration newer than the database's PRAGMA user_version and
// records the new version. FailedPrecondition if the database is newer than the newest
// migration (written by a later berth); a failing migration leaves the database unchanged.
Status Migrate(Connection& db, const std::vector<Migration>& migrations);

// The schema version recorded in the database (0 for a new file).
StatusOr<int> SchemaVersion(Connection& db);

}  // namespace berth::sqlite
