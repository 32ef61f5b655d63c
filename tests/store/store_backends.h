// The two Store implementations as a test parameter: one contract suite, two backends. A test
// fixture derives from StoreBackendTest and gets `store_`, a fresh empty store (a new SQLite
// file, or a new database on the binary's shared PostgreSQL server). Test code only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "postgres_server.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store_test_util.h"

namespace berth::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class StoreBackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Store>> store = OpenFresh();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  StatusOr<std::unique_ptr<Store>> OpenFresh() {
    if (GetParam() == Backend::kSqlite) {
      ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> sqlite,
                       SqliteStore::Open(dir_.File("berth.db")));
      return std::unique_ptr<Store>(std::move(sqlite));
    }
    ASSIGN_OR_RETURN(std::string url, SharedPostgres().CreateDatabase());
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> postgres, PostgresStore::Open(url));
    return std::unique_ptr<Store>(std::move(postgres));
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace berth::testing

#define BERTH_STORE_BACKENDS(suite)                                                                \
  INSTANTIATE_TEST_SUITE_P(                                                                        \
      Backends, suite,                                                                             \
      ::testing::Values(::berth::testing::Backend::kSqlite, ::berth::testing::Backend::kPostgres), \
      ::berth::testing::BackendName)
