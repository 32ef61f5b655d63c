// The reconciler lease on a real PostgreSQL: one leader at a time, takeover once the lease
// lapses, fencing of the deposed term's writes, refusal of runtime misconfigurations, the
// cluster view, and change notifications between instances.
#include "cluster/leader_lease.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cluster/change_listener.h"
#include "postgres_server.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"
#include "store_test_util.h"

namespace berth {
namespace {

using testing::CreatedEvent;
using testing::MakeDeployment;
using testing::SharedPostgres;

// Short enough to keep the test quick, long enough for a loaded machine's round trips.
constexpr Millis kTtl{1500};

LeaseOptions Options(const std::string& id, const std::string& runtime = "sim",
                     const std::string& host = "host-a") {
  LeaseOptions options;
  options.instance_id = id;
  options.hostname = host;
  options.runtime = runtime;
  options.ttl = kTtl;
  options.tick = Millis(100);
  options.margin = Millis(500);
  return options;
}

class LeaderLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::string> url = SharedPostgres().CreateDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    auto store = PostgresStore::Open(*url);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  RealClock clock_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(LeaderLeaseTest, OneLeadsTheOtherTakesOverOnceTheLeaseLapsesAndTheDeposedIsFenced) {
  LeaderLease a(store_->pool(), clock_, Options("a"));
  LeaderLease b(store_->pool(), clock_, Options("b"));
  ASSERT_TRUE(a.Join("http://127.0.0.1:1").ok());
  ASSERT_TRUE(b.Join("http://127.0.0.1:2").ok());
  a.RenewOnce();
  b.RenewOnce();
  ASSERT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  std::optional<LeaseFence> old_fence = a.Fence();
  ASSERT_TRUE(old_fence);
  EXPECT_EQ(old_fence->term, 1);

  Deployment d = MakeDeployment("fenced");
  ASSERT_TRUE(store_->CreateDeployment(d, CreatedEvent(d)).ok());
  Deployment ready = d;
  ready.status = DeploymentStatus::kRunning;
  EXPECT_TRUE(store_->UpdateDeployment(ready, {}, *old_fence).ok()) << "the leader may write";

  // `a` pauses (stops renewing); once the lease lapses `b` takes it with a new term.
  std::this_thread::sleep_for(kTtl + Millis(200));
  EXPECT_FALSE(a.IsLeader()) << "a paused leader stops acting before the lease lapses";
  b.RenewOnce();
  ASSERT_TRUE(b.IsLeader());
  EXPECT_EQ(b.Fence()->term, 2);

  ready.version = 2;
  EXPECT_EQ(store_->UpdateDeployment(ready, {}, *old_fence).code(), StatusCode::kFailedPrecondition)
      << "the deposed term can no longer write status";
  EXPECT_TRUE(store_->UpdateDeployment(ready, {}, *b.Fence()).ok());

  a.RenewOnce();  // a wakes up: b holds a live lease, so a follows
  EXPECT_FALSE(a.IsLeader());

  StatusOr<ClusterView> view = a.View();
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->leader, "b");
  EXPECT_EQ(view->term, 2);
  ASSERT_EQ(view->instances.size(), 2u);
  EXPECT_TRUE(view->instances[1].leader);
}

TEST_F(LeaderLeaseTest, StoppingTheLeaderHandsTheLeaseOverAtOnce) {
  LeaderLease a(store_->pool(), clock_, Options("a"));
  LeaderLease b(store_->pool(), clock_, Options("b"));
  ASSERT_TRUE(a.Join("x").ok());
  ASSERT_TRUE(b.Join("y").ok());
  std::atomic<int> b_gained{0};
  a.Start(nullptr);
  b.Start([&] { ++b_gained; });
  ASSERT_TRUE(a.IsLeader());
  a.Stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!b.IsLeader() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(20));
  }
  EXPECT_TRUE(b.IsLeader());
  EXPECT_EQ(b_gained.load(), 1);
  b.Stop();
}

TEST_F(LeaderLeaseTest, RefusesAnotherRuntimeOrASecondProcessRuntimeOnOneHost) {
  LeaderLease sim(store_->pool(), clock_, Options("sim-1", "sim"));
  ASSERT_TRUE(sim.Join("x").ok());
  LeaderLease process(store_->pool(), clock_, Options("process-1", "process"));
  EXPECT_EQ(process.Join("y").code(), StatusCode::kFailedPrecondition);

  StatusOr<std::string> url = SharedPostgres().CreateDatabase();
  ASSERT_TRUE(url.ok());
  auto other = PostgresStore::Open(*url);
  ASSERT_TRUE(other.ok());
  LeaderLease first(other.value()->pool(), clock_, Options("p1", "process", "host-a"));
  LeaderLease same_host(other.value()->pool(), clock_, Options("p2", "process", "host-a"));
  LeaderLease other_host(other.value()->pool(), clock_, Options("p3", "process", "host-b"));
  ASSERT_TRUE(first.Join("x").ok());
  EXPECT_EQ(same_host.Join("y").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(other_host.Join("z").ok());
}

TEST_F(LeaderLeaseTest, AWriteOnOneInstanceReachesTheOthersListener) {
  std::atomic<int> heard{0};
  ChangeListener listener(ChangeListenerOptions{store_->conninfo(),
                                                [&](const std::string& id) {
                                                  if (id == "heard") ++heard;
                                                },
                                                nullptr, Millis(60000)});
  listener.Start();
  // The listener subscribes on its own thread; write until it hears (bounded).
  Deployment d = MakeDeployment("heard");
  ASSERT_TRUE(store_->CreateDeployment(d, CreatedEvent(d)).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int64_t version = 1;
  while (heard.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    d.version = version++;
    ASSERT_TRUE(store_->UpdateDeployment(d, {}).ok());
    std::this_thread::sleep_for(Millis(100));
  }
  listener.Stop();
  EXPECT_GT(heard.load(), 0);
}

}  // namespace
}  // namespace berth
