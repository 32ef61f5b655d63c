// Chooses and opens the Store named by `berth serve --store` (or BERTH_STORE): empty for the
// embedded SQLite file in the data directory (the default), a postgresql:// (or postgres://)
// URL for a PostgreSQL database shared by several instances. Called once by the composition
// root, on the starting thread.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace berth {

class PostgresStore;
class SqliteStore;

struct OpenedStore {
  std::unique_ptr<Store> store;
  SqliteStore* sqlite = nullptr;      // `store`, when it is SQLite
  PostgresStore* postgres = nullptr;  // `store`, when it is PostgreSQL
};

// InvalidArgument for a spec that is neither empty nor a PostgreSQL URL; otherwise what the
// chosen store's Open returns.
StatusOr<OpenedStore> OpenStore(const std::string& spec, const std::string& data_dir);

}  // namespace berth
