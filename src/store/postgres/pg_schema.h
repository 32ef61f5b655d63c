// The PostgreSQL schema of berth and its migrations. Called once by PostgresStore::Open, on
// the opening thread; safe against several berth instances migrating at once.
#pragma once

#include <vector>

#include "common/status.h"
#include "store/postgres/pg_connection.h"

namespace berth::pg {

struct Migration {
  int version;
  const char* sql;
};

// Every migration, oldest first.
const std::vector<Migration>& Migrations();

// The version recorded in berth_schema; 0 for an empty database.
StatusOr<int> SchemaVersion(Connection& db);

// Applies the migrations newer than the database's version in one transaction, holding an
// advisory lock so a second instance starting at the same time waits, then finds nothing to
// do. FailedPrecondition if the database is newer than `migrations`.
Status Migrate(Connection& db, const std::vector<Migration>& migrations);

}  // namespace berth::pg
