#include "runtime/sim_runtime.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "common/temp_dir.h"
#include "reconcile/reconciler.h"
#include "store/sqlite/sqlite_store.h"

namespace berth {
namespace {

ReplicaSpec Spec(const std::string& uid) {
  ReplicaSpec spec;
  spec.deployment_uid = uid;
  spec.units = 2;
  return spec;
}

TEST(SimRuntimeTest, ReplicaIsReadyExactlyAfterReadyDelay) {
  FakeClock clock;
  SimRuntime runtime(clock, Millis(1000));
  StatusOr<ReplicaInfo> started = runtime.StartReplica(Spec("u1"));
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->state, ReplicaState::kStarting);
  EXPECT_EQ(started->units, 2);

  clock.Advance(Millis(999));
  ASSERT_EQ(runtime.ListReplicas("u1").value().size(), 1u);
  EXPECT_EQ(runtime.ListReplicas("u1").value()[0].state, ReplicaState::kStarting);
  clock.Advance(Millis(1));
  EXPECT_EQ(runtime.ListReplicas("u1").value()[0].state, ReplicaState::kReady);
}

TEST(SimRuntimeTest, ListsByDeploymentOldestFirstAndForgetsStopped) {
  FakeClock clock;
  SimRuntime runtime(clock, Millis(0));
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(runtime.StartReplica(Spec("u1"))->replica_id);
  std::string other = runtime.StartReplica(Spec("u2"))->replica_id;

  std::vector<ReplicaInfo> listed = runtime.ListReplicas("u1").value();
  ASSERT_EQ(listed.size(), 12u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(listed[i].replica_id, ids[i]);
  EXPECT_EQ(runtime.ListAllReplicas().value().size(), 13u);

  ASSERT_TRUE(runtime.StopReplica(ids[3]).ok());
  ASSERT_TRUE(runtime.StopReplica(ids[3]).ok());  // already gone is fine
  EXPECT_EQ(runtime.ListReplicas("u1").value().size(), 11u);
  EXPECT_EQ(runtime.ListReplicas("u2").value()[0].replica_id, other);
  EXPECT_TRUE(runtime.ListReplicas("nobody").value().empty());
}

TEST(SimRuntimeTest, IndexFollowsStopsOfEveryReplicaAndPools) {
  FakeClock clock;
  SimRuntime runtime(clock, Millis(0));
  std::string a = runtime.StartReplica(Spec("u1"))->replica_id;
  std::string b = runtime.StartReplica(Spec("u1"))->replica_id;
  ReplicaSpec adapter = Spec("lora-1");
  adapter.base_model = "qwen-plus";
  ASSERT_TRUE(runtime.AttachAdapter(adapter).ok());
  ASSERT_TRUE(runtime.StopReplica(a).ok());
  ASSERT_TRUE(runtime.StopReplica(b).ok());
  EXPECT_TRUE(runtime.ListReplicas("u1").value().empty());
  std::string c = runtime.StartReplica(Spec("u1"))->replica_id;
  ASSERT_EQ(runtime.ListReplicas("u1").value().size(), 1u);
  EXPECT_EQ(runtime.ListReplicas("u1").value()[0].replica_id, c);
  ASSERT_EQ(runtime.ListReplicas("lora-1").value().size(), 1u);
  ASSERT_TRUE(runtime.DetachAdapter("lora-1").ok());
  EXPECT_TRUE(runtime.ListReplicas("lora-1").value().empty());
  EXPECT_EQ(runtime.ListAllReplicas().value().size(), 1u);  // the pool's replica is gone too
}

class SimReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  void Create(const std::string& id) {
    Deployment d;
    d.deployed_model = id;
    d.uid = "uid-" + id;
    d.model_name = d.base_model = "qwen-plus";
    d.workspace_id = "llm-ws1";
    d.base_capacity = 2;
    d.capacity = 4;
    d.version = 1;
    d.created = d.modified = clock_.Now();
    ASSERT_TRUE(store_->CreateDeployment(d, MakeEvent(d, "Created", "", "k", d.created)).ok());
  }

  testing::ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SimReconcileTest, RunningExactlyAfterReadyDelay) {
  SimRuntime runtime(clock_, Millis(1000));
  Reconciler reconciler(*store_, runtime, clock_, ReconcilerOptions{});
  Create("d1");
  ASSERT_TRUE(reconciler.Reconcile("d1").ok());
  EXPECT_EQ(runtime.ListReplicas("uid-d1").value().size(), 2u);

  clock_.Advance(Millis(999));
  ASSERT_TRUE(reconciler.Reconcile("d1").ok());
  EXPECT_EQ(store_->GetDeployment("d1")->status, DeploymentStatus::kPending);
  EXPECT_EQ(store_->GetDeployment("d1")->ready_capacity, 0);

  clock_.Advance(Millis(1));
  StatusOr<std::optional<Millis>> again = reconciler.Reconcile("d1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(store_->GetDeployment("d1")->status, DeploymentStatus::kRunning);
  EXPECT_EQ(store_->GetDeployment("d1")->ready_capacity, 4);
  EXPECT_EQ(runtime.ListReplicas("uid-d1").value().size(), 2u);
}

// The workers, the queue and the runtime together: a triggered deployment converges.
TEST_F(SimReconcileTest, WorkersConvergeTriggeredDeployments) {
  SimRuntime runtime(clock_, Millis(0));
  ReconcilerOptions options;
  options.converge_poll = Millis(5);
  Reconciler reconciler(*store_, runtime, clock_, options);
  Create("d1");  // queued by Start()'s resync
  runtime.StartReplica(Spec("uid-orphan")).value();
  reconciler.Start();
  Create("d2");
  reconciler.Trigger("d2");

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto running = [&](const std::string& id) {
    StatusOr<Deployment> d = store_->GetDeployment(id);
    return d.ok() && d->status == DeploymentStatus::kRunning;
  };
  while (!(running("d1") && running("d2")) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
  reconciler.Stop();
  EXPECT_TRUE(running("d1"));
  EXPECT_TRUE(running("d2"));
  EXPECT_EQ(runtime.ListReplicas("uid-d1").value().size(), 2u);
  EXPECT_EQ(runtime.ListReplicas("uid-d2").value().size(), 2u);
  EXPECT_TRUE(runtime.ListReplicas("uid-orphan").value().empty());  // stopped by Start()
}

TEST(SimRuntimeTest, LoraAdaptersOfOneBaseShareOneReplica) {
  FakeClock clock;
  SimRuntime runtime(clock, Millis(100));
  ReplicaSpec a = Spec("uid-a");
  ReplicaSpec b = Spec("uid-b");
  a.plan = b.plan = Plan::kLora;
  a.base_model = b.base_model = "qwen3-8b";
  ASSERT_TRUE(runtime.AttachAdapter(a).ok());
  ASSERT_TRUE(runtime.AttachAdapter(b).ok());
  ASSERT_TRUE(runtime.AttachAdapter(a).ok());
  std::vector<ReplicaInfo> ra = runtime.ListReplicas("uid-a").value();
  std::vector<ReplicaInfo> rb = runtime.ListReplicas("uid-b").value();
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(ra[0].replica_id, rb[0].replica_id);
  EXPECT_EQ(ra[0].pool, "qwen3-8b");
  EXPECT_EQ(ra[0].state, ReplicaState::kStarting);
  clock.Advance(Millis(100));
  EXPECT_EQ(runtime.ListReplicas("uid-a").value()[0].state, ReplicaState::kReady);
  EXPECT_EQ(runtime.ListAllReplicas().value().size(), 2u);

  ASSERT_TRUE(runtime.DetachAdapter("uid-a").ok());
  EXPECT_TRUE(runtime.ListReplicas("uid-a").value().empty());
  EXPECT_EQ(runtime.ListReplicas("uid-b").value().size(), 1u);
  ASSERT_TRUE(runtime.DetachAdapter("uid-b").ok());
  EXPECT_TRUE(runtime.ListAllReplicas().value().empty());
}

}  // namespace
}  // namespace berth
