// The shared lora pools of ProcessRuntime, with fake engine processes and a fake EngineClient
// that records adapter loads (the real HTTP calls are covered by the integration tests against
// berth engine-sim).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "process_test_util.h"
#include "runtime/process/process_runtime.h"

namespace berth {
namespace {

using testing::FakeEngineTemplate;
using testing::FakeProbe;
using testing::FastOptions;
using testing::ProcessRuns;
using testing::WaitUntil;

constexpr char kBase[] = "qwen3-8b";

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ReplicaSpec LoraSpec(const std::string& uid) {
  ReplicaSpec spec;
  spec.deployment_uid = uid;
  spec.deployed_model = "ft-" + uid;
  spec.model_name = "qwen3-8b-ft-" + uid;
  spec.base_model = kBase;
  spec.plan = Plan::kLora;
  return spec;
}

class PoolTest : public testing::ProcessRuntimeFixture {
 protected:
  std::unique_ptr<ProcessRuntime> OpenPool(int pool_replicas = 1,
                                           ProcessRuntimeOptions options = {}) {
    if (options.data_dir.empty()) options = FastOptions(data_dir_);
    EngineTemplate engine = FakeEngineTemplate();
    engine.lora_pool.replicas = pool_replicas;
    engine.lora_pool.lora_path = "/loras/{model_name}";
    auto probe = std::make_unique<FakeProbe>();
    probe_ = probe.get();
    return Open(std::move(engine), options, std::move(probe));
  }

  // Waits until every pool replica serves the deployment's adapter; returns them.
  std::vector<ReplicaInfo> WaitServed(ProcessRuntime& runtime, const std::string& uid,
                                      size_t replicas = 1) {
    std::vector<ReplicaInfo> seen;
    WaitUntil([&] {
      seen = runtime.ListReplicas(uid).value();
      for (const ReplicaInfo& r : seen) {
        Track(r);
        if (r.state != ReplicaState::kReady) return false;
      }
      return seen.size() == replicas;
    });
    return seen;
  }

  FakeProbe* probe_ = nullptr;
};

TEST_F(PoolTest, AdaptersOfOneBaseShareThePoolReplica) {
  auto runtime = OpenPool();
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("b")).ok());
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());  // idempotent

  std::vector<ReplicaInfo> a = WaitServed(*runtime, "a");
  std::vector<ReplicaInfo> b = WaitServed(*runtime, "b");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].replica_id, b[0].replica_id);
  EXPECT_EQ(a[0].pid, b[0].pid);
  EXPECT_EQ(a[0].pool, kBase);
  EXPECT_EQ(a[0].deployment_uid, "a");
  EXPECT_EQ(b[0].deployment_uid, "b");
  EXPECT_TRUE(ProcessRuns(a[0].pid));

  std::vector<std::string> loads = probe_->Loads();
  std::sort(loads.begin(), loads.end());
  EXPECT_EQ(loads,
            (std::vector<std::string>{"ft-a@/loras/qwen3-8b-ft-a", "ft-b@/loras/qwen3-8b-ft-b"}));
  EXPECT_EQ(runtime->ListAllReplicas().value().size(),
            2u);  // the pool replica, once per deployment
}

TEST_F(PoolTest, PoolStopsAfterTheLastAdapterIsDetached) {
  auto runtime = OpenPool();
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("b")).ok());
  std::vector<ReplicaInfo> pool = WaitServed(*runtime, "a");
  WaitServed(*runtime, "b");
  ASSERT_EQ(pool.size(), 1u);

  ASSERT_TRUE(runtime->DetachAdapter("a").ok());
  EXPECT_TRUE(runtime->ListReplicas("a").value().empty());
  EXPECT_TRUE(WaitUntil([&] { return probe_->Unloads().size() == 1; }));
  EXPECT_EQ(probe_->Unloads(), std::vector<std::string>{"ft-a"});
  EXPECT_TRUE(ProcessRuns(pool[0].pid));  // b still uses it

  ASSERT_TRUE(runtime->DetachAdapter("b").ok());
  ASSERT_TRUE(runtime->DetachAdapter("b").ok());  // idempotent
  EXPECT_TRUE(runtime->ListAllReplicas().value().empty());
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(pool[0].pid); }));
}

TEST_F(PoolTest, EveryPoolReplicaGetsTheAdapter) {
  auto runtime = OpenPool(/*pool_replicas=*/2);
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  std::vector<ReplicaInfo> pool = WaitServed(*runtime, "a", 2);
  ASSERT_EQ(pool.size(), 2u);
  EXPECT_NE(pool[0].pid, pool[1].pid);
  EXPECT_EQ(probe_->Loads().size(), 2u);
}

TEST_F(PoolTest, RefusedAdapterFailsWithTheEnginesReason) {
  auto runtime = OpenPool();
  probe_->adapters_load = false;
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  std::vector<ReplicaInfo> seen;
  ASSERT_TRUE(WaitUntil([&] {
    seen = runtime->ListReplicas("a").value();
    for (const ReplicaInfo& r : seen) Track(r);
    return seen.size() == 1 && seen[0].state == ReplicaState::kFailed;
  }));
  EXPECT_NE(seen[0].last_error.find("refused by the fake"), std::string::npos);
  EXPECT_NE(seen[0].last_error.find("gave up after 3 tries"), std::string::npos);
}

TEST_F(PoolTest, RestartedPoolReplicaLoadsTheAdapterAgain) {
  auto runtime = OpenPool();
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  std::vector<ReplicaInfo> before = WaitServed(*runtime, "a");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(::kill(before[0].pid, SIGKILL), 0);
  std::vector<ReplicaInfo> after;
  ASSERT_TRUE(WaitUntil([&] {
    after = runtime->ListReplicas("a").value();
    for (const ReplicaInfo& r : after) Track(r);
    return after.size() == 1 && after[0].pid != before[0].pid &&
           after[0].state == ReplicaState::kReady;
  }));
  EXPECT_EQ(after[0].restarts, 1);
  EXPECT_EQ(probe_->Loads().size(), 2u);  // loaded into the new process too
}

TEST_F(PoolTest, AdoptedPoolServesAgainOrStopsWhenNobodyAttaches) {
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.idle_pool_grace = Millis(30000);
  int pid = 0;
  {
    auto first = OpenPool(1, options);
    ASSERT_TRUE(first->AttachAdapter(LoraSpec("a")).ok());
    std::vector<ReplicaInfo> pool = WaitServed(*first, "a");
    ASSERT_EQ(pool.size(), 1u);
    pid = pool[0].pid;
  }  // berth goes away; the engine stays
  ASSERT_TRUE(ProcessRuns(pid));
  {
    auto second = OpenPool(1, options);
    EXPECT_TRUE(second->ListAllReplicas().value().empty());  // nobody attached yet
    ASSERT_TRUE(second->AttachAdapter(LoraSpec("a")).ok());
    std::vector<ReplicaInfo> pool = WaitServed(*second, "a");
    ASSERT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool[0].pid, pid);  // the same engine, adopted
  }
  options.idle_pool_grace = Millis(200);
  auto third = OpenPool(1, options);  // and this time nobody attaches
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(pid); }));
}

TEST_F(PoolTest, ASlowAdapterLoadDelaysNoOtherReplica) {
  // Real engines and the real HTTP client: the pool's engine takes 20 s over each adapter load.
  EngineTemplate engine = FakeEngineTemplate({"--load-delay-ms", "20000"});
  engine.lora_pool.lora_path = "/loras/{model_name}";
  auto runtime = Open(engine, FastOptions(data_dir_));
  ASSERT_TRUE(runtime->AttachAdapter(LoraSpec("a")).ok());
  std::vector<ReplicaInfo> pool;
  ASSERT_TRUE(WaitUntil([&] {
    pool = runtime->ListReplicas("a").value();
    for (const ReplicaInfo& r : pool) Track(r);
    return pool.size() == 1 && pool[0].pid > 0 &&
           ReadLog(runtime->LogPath(pool[0].replica_id)).find("loading adapter ft-a") !=
               std::string::npos;
  }));
  ReplicaInfo plain = Track(*runtime->StartReplica(testing::Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, plain.replica_id, ReplicaState::kReady)->state,
            ReplicaState::kReady);

  // While the load is under way, another replica's crash is seen and it is restarted.
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(plain.pid, SIGKILL), 0);
  std::optional<ReplicaInfo> again;
  EXPECT_TRUE(WaitUntil(
      [&] {
        again = testing::Find(*runtime, plain.replica_id);
        if (again) Track(*again);
        return again && again->restarts == 1 && again->state == ReplicaState::kReady;
      },
      Millis(8000)));
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, Millis(8000));
  auto listed_at = std::chrono::steady_clock::now();
  EXPECT_EQ(runtime->ListReplicas("a").value()[0].state, ReplicaState::kStarting);  // loading
  EXPECT_LT(std::chrono::steady_clock::now() - listed_at, Millis(100));
  runtime->StopAll();
}

}  // namespace
}  // namespace berth
