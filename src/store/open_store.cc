#include "store/open_store.h"

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace berth {

StatusOr<OpenedStore> OpenStore(const std::string& spec, const std::string& data_dir) {
  OpenedStore opened;
  if (spec.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> sqlite,
                     SqliteStore::Open(data_dir + "/berth.db"));
    opened.sqlite = sqlite.get();
    opened.store = std::move(sqlite);
    return opened;
  }
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) {
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> postgres, PostgresStore::Open(spec));
    opened.postgres = postgres.get();
    opened.store = std::move(postgres);
    return opened;
  }
  return InvalidArgument(
      "--store must be empty (SQLite in the data directory) or a "
      "postgresql:// URL, got \"" +
      spec + "\"");
}

}  // namespace berth
