#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace berth {
namespace {

using sqlite::Connection;
using sqlite::Migration;
using testing::At;
using testing::CreatedEvent;
using testing::MakeDeployment;
using testing::TempDir;

std::unique_ptr<Connection> OpenRaw(const std::string& path) {
  auto connection = Connection::Open(path, false);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return std::move(connection).value();
}

int64_t CountRows(Connection& db, const std::string& table) {
  auto count = db.Prepare("SELECT COUNT(*) FROM " + table);
  if (!count.ok() || !count->Step().ok()) return -1;
  return count->Int(0);
}

TEST(SqliteStoreOpenTest, CreatesTheParentDirectoryAndUsesWal) {
  TempDir dir;
  std::string path = dir.File("nested/deeper/berth.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  auto db = OpenRaw(path);
  auto mode = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok() && mode->Step().ok());
  EXPECT_EQ(mode->Text(0), "wal");
  EXPECT_EQ(*sqlite::SchemaVersion(*db), sqlite::Migrations().back().version);
}

TEST(SqliteStoreOpenTest, RejectsAnUnusablePath) {
  EXPECT_EQ(SqliteStore::Open("").status().code(), StatusCode::kInvalidArgument);
  TempDir dir;
  std::filesystem::create_directories(dir.File("a-directory"));
  EXPECT_FALSE(SqliteStore::Open(dir.File("a-directory")).ok());
}

TEST(SqliteStoreOpenTest, ReopenSeesEverything) {
  TempDir dir;
  std::string path = dir.File("berth.db");
  Deployment d = MakeDeployment("m1");
  {
    auto store = std::move(SqliteStore::Open(path)).value();
    ASSERT_TRUE(store->CreateDeployment(d, CreatedEvent(d)).ok());
    d.version = 1;
    d.status = DeploymentStatus::kRunning;
    ASSERT_TRUE(store->UpdateDeployment(d, {MakeEvent(d, "Ready", "", "r", At(1))}).ok());
    ASSERT_TRUE(store->CreateWorkspace({"llm-aaaaaaaaaaaaaaaa", "default", At(0)}).ok());
    ASSERT_TRUE(
        store->CreateApiKey({"key-1", "llm-aaaaaaaaaaaaaaaa", "h", "sk", true, At(0)}).ok());
    ASSERT_TRUE(store->CreateCustomModel({"ft", "qwen3-8b", {Plan::kMu}, At(0)}).ok());
    UsageRecord usage;
    usage.deployed_model = "m1";
    usage.time = At(1);
    ASSERT_TRUE(store->AppendUsage({usage}).ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<Deployment> got = (*store)->GetDeployment("m1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, DeploymentStatus::kRunning);
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ((*store)->ListEvents(d.uid)->size(), 2u);
  EXPECT_EQ((*store)->ListWorkspaces()->size(), 1u);
  EXPECT_EQ((*store)->ListApiKeys()->size(), 1u);
  EXPECT_EQ((*store)->ListCustomModels()->size(), 1u);
  EXPECT_EQ((*store)->ListUsage("m1", At(0), At(2))->size(), 1u);
}

TEST(SqliteStoreOpenTest, RefusesADatabaseFromANewerBerth) {
  TempDir dir;
  std::string path = dir.File("berth.db");
  ASSERT_TRUE(OpenRaw(path)->Exec("PRAGMA user_version = 999").ok());
  auto store = SqliteStore::Open(path);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("999"), std::string::npos);
}

// Pins the on-disk format of schema version 1: a row written as berth 1 wrote it must still
// read back, whatever later migrations and codecs do.
TEST(SqliteStoreOpenTest, ReadsADeploymentWrittenBySchemaVersion1) {
  TempDir dir;
  std::string path = dir.File("berth.db");
  {
    auto db = OpenRaw(path);
    ASSERT_TRUE(sqlite::Migrate(*db, {sqlite::Migrations().front()}).ok());
    ASSERT_TRUE(db->Exec(R"sql(
      INSERT INTO deployments VALUES ('qwen-plus-abcd1234', 'u-1', 'n', 'qwen-plus', 'qwen-plus',
        'llm-aaaaaaaaaaaaaaaa', 'ptu', '', 1, 2, 1, 'post_paid', 'POST_PAY', 'key-c', 'key-m',
        1, NULL, 60, NULL, 20000, 2000, NULL, 'enable', 'running', 'RUNNING', '',
        1750000000000, 1750000001000, 3))sql")
                    .ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<Deployment> d = (*store)->GetDeployment("qwen-plus-abcd1234");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->plan, Plan::kPtu);
  EXPECT_EQ(d->enable_thinking, true);
  EXPECT_EQ(d->max_context_length, std::nullopt);
  EXPECT_EQ(d->rpm_limit, 60);
  EXPECT_EQ(d->ptu_capacity, (PtuCapacity{20000, 2000, std::nullopt}));
  EXPECT_EQ(d->status, DeploymentStatus::kRunning);
  EXPECT_EQ(d->modified, At(1));
  EXPECT_EQ(d->version, 3);
}

TEST(SqliteStoreOpenTest, Version2BackfillsIncarnationsOfLiveDeployments) {
  TempDir dir;
  std::string path = dir.File("berth.db");
  {
    auto db = OpenRaw(path);
    ASSERT_TRUE(sqlite::Migrate(*db, {sqlite::Migrations().front()}).ok());
    ASSERT_TRUE(db->Exec(R"sql(
      INSERT INTO deployments VALUES ('qwen-plus-abcd1234', 'u-1', 'n', 'qwen-plus', 'qwen-plus',
        'llm-aaaaaaaaaaaaaaaa', 'ptu', '', 1, 2, 1, 'post_paid', 'POST_PAY', 'key-c', 'key-m',
        1, NULL, 60, NULL, 20000, 2000, NULL, 'enable', 'running', 'RUNNING', '',
        1750000000000, 1750000001000, 3);
      INSERT INTO deployment_events (uid, deployed_model, time, type, message, status, capacity,
        ready_capacity, actor) VALUES ('u-1', 'qwen-plus-abcd1234', 1750000000000, 'Created', '',
        'PENDING', 1, 0, 'key-c');
      INSERT INTO usage_records (deployed_model, deployment_uid, workspace_id, key_id, time,
        input_tokens, output_tokens, ptu, overflow, http_status, latency_ms, streamed, aborted)
        VALUES ('qwen-plus-abcd1234', 'u-1', 'llm-aaaaaaaaaaaaaaaa', 'k', 1750000000000, 1, 2,
        1, 0, 200, 5, 0, 0))sql")
                    .ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto incarnations = (*store)->ListIncarnations("llm-aaaaaaaaaaaaaaaa", At(0), At(10));
  ASSERT_TRUE(incarnations.ok()) << incarnations.status().ToString();
  ASSERT_EQ(incarnations->size(), 1u);
  const Incarnation& i = (*incarnations)[0];
  EXPECT_EQ(i.uid, "u-1");
  EXPECT_EQ(i.plan, Plan::kPtu);
  EXPECT_EQ(i.ptu_capacity, (PtuCapacity{20000, 2000, std::nullopt}));
  EXPECT_EQ(i.created, At(0));
  EXPECT_EQ(i.deleted, std::nullopt);
  auto events = (*store)->ListEvents("u-1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].ptu_capacity, std::nullopt);  // not recorded before version 2
  auto usage = (*store)->ListUsage("qwen-plus-abcd1234", At(0), At(1));
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_FALSE((*usage)[0].thinking);
  EXPECT_EQ((*usage)[0].requests, 1);  // a row was one request before version 4
}

TEST(SqliteStoreOpenTest, Version3CountsTheDeploymentsAlreadyStored) {
  TempDir dir;
  std::string path = dir.File("berth.db");
  {
    auto db = OpenRaw(path);
    std::vector<Migration> v2(sqlite::Migrations().begin(), sqlite::Migrations().begin() + 2);
    ASSERT_TRUE(sqlite::Migrate(*db, v2).ok());
    for (const char* name : {"'a-1', 'u-1'", "'a-2', 'u-2'"}) {
      ASSERT_TRUE(db->Exec(std::string("INSERT INTO deployments VALUES (") + name + R"sql(,
        'n', 'qwen-plus', 'qwen-plus', 'llm-aaaaaaaaaaaaaaaa', 'mu', 'MU1', 1, 2, 1, 'post_paid',
        'POST_PAY', 'key-c', 'key-m', 1, NULL, 60, NULL, NULL, NULL, NULL, 'enable', 'running',
        'RUNNING', '', 1750000000000, 1750000001000, 3))sql")
                      .ok());
    }
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto page = (*store)->ListDeployments({"llm-aaaaaaaaaaaaaaaa", std::nullopt, 1, 1});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 2);
  EXPECT_EQ(page->items.size(), 1u);
  page = (*store)->ListDeployments({"llm-aaaaaaaaaaaaaaaa", Plan::kMu, 1, 10});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);
  page = (*store)->ListDeployments({"llm-aaaaaaaaaaaaaaaa", Plan::kPtu, 1, 10});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0);
}

TEST(SchemaTest, MigrateAppliesOnlyNewerMigrations) {
  TempDir dir;
  auto db = OpenRaw(dir.File("m.db"));
  std::vector<Migration> v1 = {{1, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"}};
  ASSERT_TRUE(sqlite::Migrate(*db, v1).ok());
  std::vector<Migration> v2 = v1;
  v2.push_back({2, "INSERT INTO t VALUES (2);"});
  ASSERT_TRUE(sqlite::Migrate(*db, v2).ok());
  ASSERT_TRUE(sqlite::Migrate(*db, v2).ok());  // idempotent
  EXPECT_EQ(*sqlite::SchemaVersion(*db), 2);
  EXPECT_EQ(CountRows(*db, "t"), 2);
}

TEST(SchemaTest, AFailingMigrationLeavesTheDatabaseUnchanged) {
  TempDir dir;
  auto db = OpenRaw(dir.File("m.db"));
  std::vector<Migration> broken = {{1, "CREATE TABLE t (a INTEGER);"},
                                   {2, "CREATE TABLE u (a INTEGER); THIS IS NOT SQL;"}};
  Status status = sqlite::Migrate(*db, broken);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("schema migration 2"), std::string::npos) << status.message();
  EXPECT_EQ(*sqlite::SchemaVersion(*db), 0);
  EXPECT_EQ(CountRows(*db, "t"), -1) << "migration 1 should have been rolled back";
}

}  // namespace
}  // namespace berth
