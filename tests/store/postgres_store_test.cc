// What only the PostgreSQL store has: a server that goes away and comes back, several berth
// instances opening one database at once, usage batches larger than one INSERT, and the
// notification each deployment write sends to the other instances.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "postgres_server.h"
#include "store/postgres/pg_connection.h"
#include "store_test_util.h"

namespace berth {
namespace {

using testing::At;
using testing::CreatedEvent;
using testing::MakeDeployment;
using testing::SharedPostgres;

std::unique_ptr<PostgresStore> OpenFresh() {
  StatusOr<std::string> url = SharedPostgres().CreateDatabase();
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(*url);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

TEST(PostgresStoreTest, AServerRestartIsUnavailableMeanwhileAndHealsByItself) {
  std::unique_ptr<PostgresStore> store = OpenFresh();
  Deployment d = MakeDeployment("before-restart");
  ASSERT_TRUE(store->CreateDeployment(d, CreatedEvent(d)).ok());

  ASSERT_TRUE(SharedPostgres().Stop().ok());
  EXPECT_EQ(store->GetDeployment(d.deployed_model).status().code(), StatusCode::kUnavailable);
  Deployment lost = MakeDeployment("while-down");
  EXPECT_EQ(store->CreateDeployment(lost, CreatedEvent(lost)).code(), StatusCode::kUnavailable);

  ASSERT_TRUE(SharedPostgres().Restart().ok());
  EXPECT_TRUE(store->GetDeployment(d.deployed_model).ok()) << "pooled connections reconnect";
  EXPECT_EQ(store->GetDeployment(lost.deployed_model).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->CreateDeployment(lost, CreatedEvent(lost)).ok());
}

TEST(PostgresStoreTest, RefusesADatabaseFromANewerBerth) {
  StatusOr<std::string> url = SharedPostgres().CreateDatabase();
  ASSERT_TRUE(url.ok());
  ASSERT_TRUE(PostgresStore::Open(*url).ok());
  auto db = pg::Connection::Open(*url);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->ExecScript("INSERT INTO berth_schema (version) VALUES (999)").ok());
  EXPECT_EQ(PostgresStore::Open(*url).status().code(), StatusCode::kFailedPrecondition);
}

TEST(PostgresStoreTest, InstancesOpeningOneDatabaseAtOnceMigrateItOnce) {
  StatusOr<std::string> url = SharedPostgres().CreateDatabase();
  ASSERT_TRUE(url.ok());
  std::atomic<int> opened{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i) {
    instances.emplace_back([&] {
      if (PostgresStore::Open(*url).ok()) ++opened;
    });
  }
  for (std::thread& t : instances) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto db = pg::Connection::Open(*url);
  ASSERT_TRUE(db.ok());
  auto versions = (*db)->Exec("SELECT COUNT(*) - COUNT(DISTINCT version) FROM berth_schema");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->Int(0, 0), 0) << "each migration recorded once";
}

TEST(PostgresStoreTest, AUsageBatchLargerThanOneInsertLandsWhole) {
  std::unique_ptr<PostgresStore> store = OpenFresh();
  std::vector<UsageRecord> batch(2500);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].deployed_model = "m";
    batch[i].deployment_uid = "uid-m";
    batch[i].time = At(static_cast<int64_t>(i));
    batch[i].input_tokens = 1;
  }
  ASSERT_TRUE(store->AppendUsage(batch).ok());
  auto listed = store->ListUsage("m", At(0), At(100000));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), batch.size());
}

TEST(PostgresStoreTest, DeploymentWritesNotifyOtherInstancesAtCommit) {
  std::unique_ptr<PostgresStore> store = OpenFresh();
  auto listener = pg::Connection::Open(store->conninfo());
  ASSERT_TRUE(listener.ok());
  ASSERT_TRUE((*listener)->ExecScript("LISTEN berth_deployments").ok());
  Deployment d = MakeDeployment("noticed");
  ASSERT_TRUE(store->CreateDeployment(d, CreatedEvent(d)).ok());
  pollfd fd{(*listener)->socket(), POLLIN, 0};
  ASSERT_EQ(::poll(&fd, 1, 5000), 1) << "no notification within 5 s";
  auto channels = (*listener)->DrainNotifications();
  ASSERT_TRUE(channels.ok());
  ASSERT_FALSE(channels->empty());
  EXPECT_EQ(channels->front().channel, PostgresStore::kDeploymentsChannel);
  EXPECT_EQ(channels->front().payload, "noticed");
}

}  // namespace
}  // namespace berth
