#include "reconcile/reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/temp_dir.h"
#include "core/lifecycle.h"
#include "fake_runtime.h"
#include "store/sqlite/sqlite_store.h"

namespace berth {
namespace {

using Again = std::optional<Millis>;
constexpr char kId[] = "qwen-plus-12345678";
constexpr char kUid[] = "uid-1";

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ReconcilerOptions options;
    options.converge_poll = Millis(100);
    reconciler_ = std::make_unique<Reconciler>(*store_, runtime_, clock_, options);
  }

  // A PENDING mu deployment of capacity 4 at 2 units per replica: two replicas.
  void Create(int capacity = 4) {
    Deployment d;
    d.deployed_model = kId;
    d.uid = kUid;
    d.name = "svc";
    d.model_name = d.base_model = "qwen-plus";
    d.workspace_id = "llm-ws1";
    d.plan = Plan::kMu;
    d.model_unit_spec = "MU1";
    d.base_capacity = 2;
    d.capacity = capacity;
    d.created = d.modified = clock_.Now();
    d.version = 1;
    ASSERT_TRUE(store_->CreateDeployment(d, MakeEvent(d, "Created", "", "key-1", d.created)).ok());
  }

  // A PENDING lora deployment of an adapter of qwen3-8b.
  void CreateLora() {
    Deployment d;
    d.deployed_model = kId;
    d.uid = kUid;
    d.name = "svc";
    d.model_name = "qwen3-8b-ft-1";
    d.base_model = "qwen3-8b";
    d.workspace_id = "llm-ws1";
    d.plan = Plan::kLora;
    d.capacity = 1;
    d.created = d.modified = clock_.Now();
    d.version = 1;
    ASSERT_TRUE(store_->CreateDeployment(d, MakeEvent(d, "Created", "", "key-1", d.created)).ok());
  }

  Deployment Get() {
    StatusOr<Deployment> d = store_->GetDeployment(kId);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Deployment{};
  }

  // Changes the stored record as a user operation would.
  void Change(const std::function<void(Deployment&)>& edit) {
    Deployment d = Get();
    edit(d);
    ASSERT_TRUE(
        store_->UpdateDeployment(d, {MakeEvent(d, "User", "", "key-1", clock_.Now())}).ok());
  }

  Again Reconcile() {
    StatusOr<Again> again = reconciler_->Reconcile(kId);
    EXPECT_TRUE(again.ok()) << again.status().ToString();
    return again.ok() ? *again : Again(Millis(-1));
  }

  std::vector<DeploymentEvent> Events() {
    StatusOr<std::vector<DeploymentEvent>> events = store_->ListEvents(kUid);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<DeploymentEvent>{};
  }

  // Create, start both replicas, let them become ready: RUNNING at capacity 4.
  void RunToReady() {
    Create();
    Reconcile();
    runtime_.SetAllReady(kUid);
    Reconcile();
    ASSERT_EQ(Get().status, DeploymentStatus::kRunning);
  }

  testing::ScopedTempDir dir_;
  FakeClock clock_;
  testing::FakeRuntime runtime_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, PendingDeploymentStartsItsReplicas) {
  Create();
  EXPECT_EQ(Reconcile(), Again(Millis(100)));  // not converged: look again soon

  std::vector<ReplicaSpec> started = runtime_.started();
  ASSERT_EQ(started.size(), 2u);
  for (const ReplicaSpec& spec : started) {
    EXPECT_EQ(spec.deployment_uid, kUid);
    EXPECT_EQ(spec.deployed_model, kId);
    EXPECT_EQ(spec.model_name, "qwen-plus");
    EXPECT_EQ(spec.plan, Plan::kMu);
    EXPECT_EQ(spec.unit_spec, "MU1");
    EXPECT_EQ(spec.units, 2);
  }
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kPending);
  EXPECT_EQ(d.ready_capacity, 0);
  EXPECT_EQ(d.version, 1);  // nothing observed changed: nothing written

  Reconcile();  // a second pass starts nothing more
  EXPECT_EQ(runtime_.started().size(), 2u);
  EXPECT_TRUE(runtime_.stopped().empty());
}

TEST_F(ReconcilerTest, AllReadyMakesItRunning) {
  Create();
  Reconcile();
  std::vector<std::string> ids = runtime_.ids(kUid);
  runtime_.SetState(ids[0], ReplicaState::kReady);
  Reconcile();
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kPending);
  EXPECT_EQ(d.ready_capacity, 2);
  EXPECT_EQ(Events().back().type, "ReadyCapacityChanged");

  runtime_.SetState(ids[1], ReplicaState::kReady);
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(Reconcile(), Again());  // converged
  d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kRunning);
  EXPECT_EQ(d.ready_capacity, 4);
  EXPECT_EQ(d.modified, clock_.Now());  // gmt_modified moves with the status
  DeploymentEvent last = Events().back();
  EXPECT_EQ(last.type, "StatusChanged");
  EXPECT_EQ(last.status, DeploymentStatus::kRunning);
  EXPECT_EQ(last.ready_capacity, 4);
  EXPECT_EQ(last.actor, "reconciler");
  EXPECT_EQ(last.message, "PENDING -> RUNNING, ready_capacity 4/4");
}

TEST_F(ReconcilerTest, ScaleDownStopsOneReplica) {
  RunToReady();
  std::vector<std::string> ids = runtime_.ids(kUid);
  Change([](Deployment& d) {
    int old = d.capacity;
    d.capacity = 2;
    ApplyScaled(d, old);
  });
  Reconcile();
  EXPECT_EQ(runtime_.stopped(), std::vector<std::string>{ids[1]});  // the newest
  EXPECT_EQ(runtime_.ids(kUid), std::vector<std::string>{ids[0]});
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kRunning);
  EXPECT_EQ(d.capacity, 2);
  EXPECT_EQ(d.ready_capacity, 2);
}

TEST_F(ReconcilerTest, ScaleUpIsUpdatingUntilNewReplicasAreReady) {
  RunToReady();
  Change([](Deployment& d) {
    int old = d.capacity;
    d.capacity = 6;
    ApplyScaled(d, old);
  });
  Reconcile();
  EXPECT_EQ(runtime_.started().size(), 3u);
  EXPECT_EQ(Get().status, DeploymentStatus::kUpdating);
  EXPECT_EQ(Get().ready_capacity, 4);
  runtime_.SetAllReady(kUid);
  Reconcile();
  EXPECT_EQ(Get().status, DeploymentStatus::kRunning);
  EXPECT_EQ(Get().ready_capacity, 6);
}

TEST_F(ReconcilerTest, StopStopsEveryReplica) {
  RunToReady();
  Change(ApplyStop);
  EXPECT_EQ(Reconcile(), Again());
  EXPECT_EQ(runtime_.stopped().size(), 2u);
  EXPECT_TRUE(runtime_.ids(kUid).empty());
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kStopped);
  EXPECT_EQ(d.ready_capacity, 0);

  Change(ApplyStart);
  Reconcile();
  EXPECT_EQ(runtime_.ids(kUid).size(), 2u);
  EXPECT_EQ(Get().status, DeploymentStatus::kPending);
}

TEST_F(ReconcilerTest, DeleteStopsReplicasAndRemovesTheRecord) {
  RunToReady();
  Change(ApplyDelete);
  EXPECT_EQ(Reconcile(), Again());
  EXPECT_EQ(runtime_.stopped().size(), 2u);
  EXPECT_TRUE(runtime_.ListAllReplicas().value().empty());
  EXPECT_EQ(store_->GetDeployment(kId).status().code(), StatusCode::kNotFound);
  std::vector<DeploymentEvent> events = Events();  // history outlives the record
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "Deleted");
  EXPECT_EQ(events.back().ready_capacity, 0);

  EXPECT_EQ(Reconcile(), Again());  // a gone record is converged, not an error
  EXPECT_EQ(runtime_.started().size(), 2u);
}

TEST_F(ReconcilerTest, ReplicaFailingWhilePendingFailsTheDeployment) {
  Create();
  Reconcile();
  runtime_.SetState(runtime_.ids(kUid)[0], ReplicaState::kFailed, "engine exited with code 1");
  Reconcile();
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kFailed);
  EXPECT_EQ(d.fail_reason, "engine exited with code 1");
  Reconcile();  // a FAILED deployment keeps no replicas and starts none
  EXPECT_TRUE(runtime_.ids(kUid).empty());
}

TEST_F(ReconcilerTest, ReplicaFailingDuringScaleUpIsUpdatingFailed) {
  RunToReady();
  Change([](Deployment& d) {
    int old = d.capacity;
    d.capacity = 6;
    ApplyScaled(d, old);
  });
  Reconcile();
  ASSERT_EQ(runtime_.started().size(), 3u);
  runtime_.SetState(runtime_.ids(kUid)[2], ReplicaState::kFailed, "no room");
  Reconcile();
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kUpdatingFailed);
  EXPECT_EQ(d.fail_reason, "no room");
  EXPECT_EQ(d.ready_capacity, 4);  // the old capacity keeps serving
  EXPECT_EQ(runtime_.ids(kUid).size(), 2u);
  EXPECT_EQ(runtime_.started().size(), 3u);  // no retry until the user acts
}

TEST_F(ReconcilerTest, ReplicaFailingWhileRunningIsReplaced) {
  RunToReady();
  std::vector<std::string> ids = runtime_.ids(kUid);
  runtime_.SetState(ids[1], ReplicaState::kFailed, "crash");
  Reconcile();
  EXPECT_EQ(runtime_.stopped(), std::vector<std::string>{ids[1]});
  EXPECT_EQ(runtime_.started().size(), 3u);
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kRunning);
  EXPECT_EQ(d.ready_capacity, 2);  // the dip shows
}

TEST_F(ReconcilerTest, StartFailureIsReturnedForBackoff) {
  Create();
  runtime_.FailStarts(Unavailable("no free units"));
  StatusOr<Again> again = reconciler_->Reconcile(kId);
  EXPECT_EQ(again.status(), Unavailable("no free units"));
}

// What the routing table was told, in order.
class RecordingRoutes : public RoutePublisher {
 public:
  void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) override {
    std::lock_guard lock(mu_);
    published_.push_back({d.ready_capacity, replicas.size()});
  }
  void Withdraw(const std::string& deployed_model) override {
    std::lock_guard lock(mu_);
    withdrawn_.push_back(deployed_model);
  }
  std::vector<std::pair<int, size_t>> published() {
    std::lock_guard lock(mu_);
    return published_;
  }
  std::vector<std::string> withdrawn() {
    std::lock_guard lock(mu_);
    return withdrawn_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<int, size_t>> published_;  // (ready_capacity, replicas); guarded by mu_
  std::vector<std::string> withdrawn_;             // guarded by mu_
};

TEST_F(ReconcilerTest, ListThatFailsIsUnknownNotZeroReplicas) {
  RecordingRoutes routes;
  ReconcilerOptions options;
  options.routes = &routes;
  reconciler_ = std::make_unique<Reconciler>(*store_, runtime_, clock_, options);
  RunToReady();
  Deployment before = Get();
  size_t published = routes.published().size();

  // A Kubernetes list that times out, before the plan and (good = 1) after it.
  for (int good : {0, 1}) {
    runtime_.FailLists(DeadlineExceeded("list pods: timed out"), good);
    StatusOr<Again> again = reconciler_->Reconcile(kId);
    EXPECT_EQ(again.status(), DeadlineExceeded("list pods: timed out"));  // retried with backoff
  }
  EXPECT_EQ(runtime_.started().size(), 2u);  // no replacement set
  EXPECT_TRUE(runtime_.stopped().empty());
  Deployment d = Get();
  EXPECT_EQ(d.ready_capacity, 4);  // never "0 ready" from a list that failed
  EXPECT_EQ(d.status, DeploymentStatus::kRunning);
  EXPECT_EQ(d.version, before.version);
  EXPECT_EQ(routes.published().size(), published);  // the gateway keeps routing as it did
  EXPECT_TRUE(routes.withdrawn().empty());

  runtime_.FailLists(Status::Ok());
  EXPECT_EQ(Reconcile(), Again());
  EXPECT_EQ(runtime_.started().size(), 2u);
  EXPECT_EQ(routes.published().back(), std::make_pair(4, size_t{2}));
}

// Reads the stored record each time a route is published, as a client could at that moment.
class StoreReadingRoutes : public RoutePublisher {
 public:
  explicit StoreReadingRoutes(Store& store) : store_(store) {}
  void Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) override {
    StatusOr<Deployment> stored = store_.GetDeployment(d.deployed_model);
    size_t ready = std::count_if(replicas.begin(), replicas.end(), [](const ReplicaInfo& r) {
      return r.state == ReplicaState::kReady;
    });
    if (stored.ok()) seen_.push_back({stored->status, ready});
  }
  void Withdraw(const std::string&) override {}
  // (the stored status when a route was published, that route's ready replicas)
  std::vector<std::pair<DeploymentStatus, size_t>> seen_;

 private:
  Store& store_;
};

TEST_F(ReconcilerTest, TheRouteServesBeforeTheStatusSaysRunning) {
  StoreReadingRoutes routes(*store_);
  ReconcilerOptions options;
  options.routes = &routes;
  reconciler_ = std::make_unique<Reconciler>(*store_, runtime_, clock_, options);
  RunToReady();
  ASSERT_EQ(Get().status, DeploymentStatus::kRunning);
  // The pass that wrote RUNNING had published its two ready replicas while the record still
  // said PENDING: a client that waits for RUNNING and then calls the model is served.
  ASSERT_GE(routes.seen_.size(), 2u);
  auto first_ready = std::find_if(routes.seen_.begin(), routes.seen_.end(),
                                  [](const auto& seen) { return seen.second == 2; });
  ASSERT_NE(first_ready, routes.seen_.end());
  EXPECT_EQ(first_ready->first, DeploymentStatus::kPending);
}

TEST_F(ReconcilerTest, ListThatFailsIsRetriedWithBackoffOnTheMonotonicClock) {
  Create();
  runtime_.FailLists(Unavailable("runtime unreachable"));
  auto wait_lists = [&](int n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (runtime_.lists() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(Millis(2));
    }
    return runtime_.lists() >= n;
  };
  reconciler_->Start();  // StopOrphans lists, then a worker's pass does
  ASSERT_TRUE(wait_lists(2));
  std::this_thread::sleep_for(Millis(100));  // the workers run on; the clock does not
  EXPECT_EQ(runtime_.lists(), 2);            // the retry waits retry_base (200 ms) on the clock
  clock_.SetWallTime(clock_.Now() + std::chrono::hours(1));  // which is not the wall clock
  std::this_thread::sleep_for(Millis(50));
  EXPECT_EQ(runtime_.lists(), 2);
  clock_.Advance(Millis(200));
  EXPECT_TRUE(wait_lists(3));
  reconciler_->Stop();
  EXPECT_TRUE(runtime_.started().empty());  // nothing acted on an unknown list
  EXPECT_EQ(Get().version, 1);
}

TEST_F(ReconcilerTest, ListThatFailsStartsNothingForAPendingDeployment) {
  Create();
  runtime_.FailLists(Unavailable("runtime unreachable"));
  EXPECT_FALSE(reconciler_->Reconcile(kId).ok());
  EXPECT_TRUE(runtime_.started().empty());
  EXPECT_EQ(Get().version, 1);
}

TEST_F(ReconcilerTest, ListThatFailsStopsNoOrphans) {
  Create();
  runtime_.Seed("uid-gone", ReplicaState::kReady);
  runtime_.FailLists(Unavailable("runtime unreachable"));
  EXPECT_EQ(reconciler_->StopOrphans(), Unavailable("runtime unreachable"));
  EXPECT_TRUE(runtime_.stopped().empty());
}

TEST_F(ReconcilerTest, StopOrphansStopsReplicasOfUnknownDeployments) {
  Create();
  Reconcile();
  std::string orphan1 = runtime_.Seed("uid-gone", ReplicaState::kReady);
  std::string orphan2 = runtime_.Seed("uid-other", ReplicaState::kStarting);
  ASSERT_TRUE(reconciler_->StopOrphans().ok());
  EXPECT_EQ(runtime_.stopped(), (std::vector<std::string>{orphan1, orphan2}));
  EXPECT_EQ(runtime_.ids(kUid).size(), 2u);
}

TEST_F(ReconcilerTest, ConcurrentWriteWinsAndReconcileRetries) {
  Create();
  runtime_.Seed(kUid, ReplicaState::kReady);  // one replica already serving
  // A user scales while the reconciler is between its read and its write.
  runtime_.OnStart([this](const ReplicaSpec&) {
    runtime_.OnStart({});
    Change([](Deployment& d) { d.capacity = 6; });
  });
  EXPECT_EQ(Reconcile(), Again(Millis(0)));  // lost the race: look again at once
  Deployment d = Get();
  EXPECT_EQ(d.capacity, 6);  // the user's write survived
  EXPECT_EQ(d.ready_capacity, 0);
  EXPECT_EQ(d.version, 2);

  Reconcile();
  d = Get();
  EXPECT_EQ(d.capacity, 6);
  EXPECT_EQ(d.ready_capacity, 2);
  EXPECT_EQ(d.version, 3);
  EXPECT_EQ(runtime_.ids(kUid).size(), 3u);
}

TEST_F(ReconcilerTest, WaitingForRoomIsRecordedOnceAsAnEvent) {
  Create();
  runtime_.FailStarts(Unavailable("no free MU1 units: need 2, free 0 of 8"));
  for (int pass = 0; pass < 3; ++pass) EXPECT_FALSE(reconciler_->Reconcile(kId).ok());
  std::vector<DeploymentEvent> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "WaitingForCapacity");
  EXPECT_EQ(events[1].message, "no free MU1 units: need 2, free 0 of 8");
  EXPECT_EQ(events[1].status, DeploymentStatus::kPending);
  EXPECT_EQ(reconciler_->WaitingReason(Get().deployed_model),
            "no free MU1 units: need 2, free 0 of 8");  // GET shows it while it waits

  runtime_.FailStarts(Status::Ok());  // room again: the wait ends, a new one is recorded anew
  Reconcile();
  EXPECT_EQ(reconciler_->WaitingReason(Get().deployed_model), "");
  runtime_.FailStarts(Unavailable("no free MU1 units"));
  Change([](Deployment& d) { d.capacity = 6; });
  EXPECT_FALSE(reconciler_->Reconcile(kId).ok());
  EXPECT_EQ(Events().back().type, "WaitingForCapacity");
}

TEST_F(ReconcilerTest, LoraAttachesToThePoolInsteadOfStartingReplicas) {
  CreateLora();
  Reconcile();
  EXPECT_TRUE(runtime_.started().empty());
  ASSERT_EQ(runtime_.attached().size(), 1u);
  EXPECT_EQ(runtime_.attached()[0].base_model, "qwen3-8b");
  EXPECT_EQ(runtime_.attached()[0].model_name, "qwen3-8b-ft-1");
  EXPECT_EQ(Get().status, DeploymentStatus::kPending);

  Reconcile();  // attaching is idempotent
  EXPECT_EQ(runtime_.attached().size(), 1u);
  runtime_.SetAllReady(kUid);
  EXPECT_EQ(Reconcile(), Again());
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kRunning);
  EXPECT_EQ(d.ready_capacity, 1);
}

TEST_F(ReconcilerTest, LoraIsReadyOnlyWhenEveryPoolReplicaServesTheAdapter) {
  CreateLora();
  Reconcile();
  runtime_.Seed(kUid, ReplicaState::kReady);  // a second pool replica, already serving it
  Reconcile();
  EXPECT_EQ(Get().status, DeploymentStatus::kPending);  // the first one is still loading
  runtime_.SetAllReady(kUid);
  Reconcile();
  EXPECT_EQ(Get().status, DeploymentStatus::kRunning);
  EXPECT_EQ(Get().ready_capacity, 1);
}

TEST_F(ReconcilerTest, LoraAdapterThatCannotLoadFailsTheDeployment) {
  CreateLora();
  Reconcile();
  runtime_.SetState(runtime_.ids(kUid)[0], ReplicaState::kFailed, "adapter refused: no such path");
  Reconcile();
  Deployment d = Get();
  EXPECT_EQ(d.status, DeploymentStatus::kFailed);
  EXPECT_EQ(d.fail_reason, "adapter refused: no such path");
  EXPECT_EQ(runtime_.detached(), std::vector<std::string>{kUid});  // FAILED keeps nothing
}

TEST_F(ReconcilerTest, LoraStopAndDeleteDetachTheAdapter) {
  CreateLora();
  Reconcile();
  runtime_.SetAllReady(kUid);
  Reconcile();
  Change([](Deployment& d) { ApplyStop(d); });
  Reconcile();
  EXPECT_EQ(runtime_.detached(), std::vector<std::string>{kUid});
  EXPECT_EQ(Get().status, DeploymentStatus::kStopped);
  EXPECT_EQ(Get().ready_capacity, 0);

  Change([](Deployment& d) { ApplyDelete(d); });
  Reconcile();
  EXPECT_EQ(store_->GetDeployment(kId).status().code(), StatusCode::kNotFound);
}

TEST_F(ReconcilerTest, StopOrphansDetachesAdaptersOfUnknownDeployments) {
  ReplicaSpec spec;
  spec.deployment_uid = "uid-gone";
  spec.base_model = "qwen3-8b";
  ASSERT_TRUE(runtime_.AttachAdapter(spec).ok());
  ASSERT_TRUE(reconciler_->StopOrphans().ok());
  EXPECT_EQ(runtime_.detached(), std::vector<std::string>{"uid-gone"});
  EXPECT_TRUE(runtime_.stopped().empty());
}

}  // namespace
}  // namespace berth
