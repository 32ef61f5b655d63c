#include "service/deployment_service.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/naming.h"
#include "service_env.h"

namespace berth {
namespace {

const Caller kUser{"key-1", "llm-ws1", false};
const Caller kOtherWorkspace{"key-2", "llm-ws2", false};

CreateDeploymentRequest Mu(int64_t capacity, std::string suffix = "") {
  CreateDeploymentRequest r;
  r.model_name = "qwen3-8b";
  r.capacity = capacity;
  if (!suffix.empty()) r.suffix = suffix;
  return r;
}

class DeploymentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.Init().ok()); }

  std::string Create(const CreateDeploymentRequest& r = Mu(4)) {
    StatusOr<Deployment> d = env_.deployments->Create(kUser, r);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? d->deployed_model : "";
  }
  Deployment Stored(const std::string& id) {
    StatusOr<Deployment> d = env_.store->GetDeployment(id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Deployment{};
  }
  std::vector<DeploymentEvent> Events(const std::string& id) {
    StatusOr<std::vector<DeploymentEvent>> events = env_.deployments->Events(kUser, id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<DeploymentEvent>{};
  }
  // What the reconciler would write once replicas are ready.
  void MarkRunning(const std::string& id) {
    Deployment d = Stored(id);
    d.status = DeploymentStatus::kRunning;
    d.ready_capacity = d.capacity;
    ASSERT_TRUE(env_.store->UpdateDeployment(d, {}).ok());
  }
  StatusOr<Deployment> Scale(const std::string& id, int64_t capacity) {
    return env_.deployments->Scale(kUser, id, ScaleDeploymentRequest{capacity, std::nullopt});
  }

  testing::ServiceEnv env_;
};

TEST_F(DeploymentServiceTest, CreateStoresAndTriggers) {
  StatusOr<Deployment> created = env_.deployments->Create(kUser, Mu(4));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const std::string id = "qwen3-8b-" + NameHash("llm-ws1", "qwen3-8b");
  EXPECT_EQ(created->deployed_model, id);
  EXPECT_EQ(created->status, DeploymentStatus::kPending);
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->uid.size(), 16u);
  EXPECT_EQ(created->creator, "key-1");
  EXPECT_EQ(created->created, env_.clock.Now());

  Deployment stored = Stored(id);
  EXPECT_EQ(stored.uid, created->uid);
  EXPECT_EQ(stored.capacity, 4);
  EXPECT_EQ(stored.workspace_id, "llm-ws1");
  EXPECT_EQ(env_.trigger.ids(), std::vector<std::string>{id});

  std::vector<DeploymentEvent> events = Events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Created");
  EXPECT_EQ(events[0].actor, "key-1");
  EXPECT_EQ(events[0].message, "plan mu, capacity 4");
}

TEST_F(DeploymentServiceTest, DuplicateNameIsAConflict) {
  std::string id = Create();
  StatusOr<Deployment> again = env_.deployments->Create(kUser, Mu(2));
  EXPECT_EQ(again.status(),
            AlreadyExists("Deployed model " + id + " already exists, please specify a suffix."));
  EXPECT_EQ(env_.trigger.ids().size(), 1u);
  EXPECT_EQ(Create(Mu(2, "v2")), id + "-v2");
  // Another workspace names the same model differently.
  StatusOr<Deployment> other = env_.deployments->Create(kOtherWorkspace, Mu(2));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_NE(other->deployed_model, id);
}

TEST_F(DeploymentServiceTest, BadRequestsStoreNothing) {
  CreateDeploymentRequest unknown = Mu(2);
  unknown.model_name = "x";
  EXPECT_EQ(env_.deployments->Create(kUser, unknown).status(), NotFound("Model: x not found!"));
  CreateDeploymentRequest no_model = Mu(2);
  no_model.model_name.reset();
  EXPECT_EQ(env_.deployments->Create(kUser, no_model).status(),
            InvalidArgument("model_name is required"));
  EXPECT_EQ(env_.deployments->Create(kUser, Mu(3)).status(),
            InvalidArgument("Invalid capacity (3), capacity must be larger than or equal to 0 "
                            "and multiples of 2 and less than 1000!"));
  StatusOr<DeploymentPage> page = env_.deployments->List(kUser, {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0);
  EXPECT_TRUE(env_.trigger.ids().empty());
}

TEST_F(DeploymentServiceTest, OtherWorkspacesSeeNotFound) {
  std::string id = Create();
  const Status not_found = NotFound("Model: " + id + " not found!");
  DeploymentService& svc = *env_.deployments;
  EXPECT_EQ(svc.Get(kOtherWorkspace, id).status(), not_found);
  EXPECT_EQ(svc.Scale(kOtherWorkspace, id, {6, std::nullopt}).status(), not_found);
  EXPECT_EQ(svc.UpdateLimits(kOtherWorkspace, id, {{true, 5}, {}}).status(), not_found);
  EXPECT_EQ(svc.Stop(kOtherWorkspace, id).status(), not_found);
  EXPECT_EQ(svc.Start(kOtherWorkspace, id).status(), not_found);
  EXPECT_EQ(svc.Delete(kOtherWorkspace, id).status(), not_found);
  EXPECT_EQ(svc.Events(kOtherWorkspace, id).status(), not_found);
  EXPECT_EQ(svc.Get(kUser, "nope").status(), NotFound("Model: nope not found!"));
  Deployment stored = Stored(id);
  EXPECT_EQ(stored.version, 1);
  EXPECT_EQ(stored.capacity, 4);

  StatusOr<DeploymentPage> theirs = svc.List(kOtherWorkspace, {});
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->total, 0);
  StatusOr<DeploymentPage> mine = svc.List(kUser, ListDeploymentsQuery{"llm-ws2", {}, 1, 50});
  ASSERT_TRUE(mine.ok());  // the query's workspace is ignored: the caller's counts
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].deployed_model, id);
}

TEST_F(DeploymentServiceTest, ScaleTransitions) {
  std::string id = Create();
  StatusOr<Deployment> scaled = Scale(id, 6);
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  EXPECT_EQ(scaled->status, DeploymentStatus::kPending);  // still creating
  EXPECT_EQ(scaled->capacity, 6);
  EXPECT_EQ(scaled->version, 2);
  EXPECT_EQ(Stored(id).version, 2);
  EXPECT_EQ(Events(id).back().type, "Scaled");
  EXPECT_EQ(Events(id).back().message, "capacity 4 -> capacity 6");
  EXPECT_EQ(env_.trigger.ids().size(), 2u);

  MarkRunning(id);
  scaled = Scale(id, 8);
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ(scaled->status, DeploymentStatus::kUpdating);
  EXPECT_EQ(scaled->ready_capacity, 6);  // the old capacity keeps serving
  EXPECT_EQ(Stored(id).status, DeploymentStatus::kUpdating);

  int64_t version = Stored(id).version;
  EXPECT_EQ(Scale(id, 3).status(),
            InvalidArgument("Invalid capacity (3), capacity must be larger than or equal to 0 "
                            "and multiples of 2 and less than 1000!"));
  EXPECT_EQ(Stored(id).version, version);
  EXPECT_EQ(Stored(id).capacity, 8);
}

TEST_F(DeploymentServiceTest, LoraCannotScale) {
  CreateDeploymentRequest r = Mu(1);
  r.plan = "lora";
  std::string id = Create(r);
  EXPECT_EQ(id, "qwen3-8b");
  EXPECT_EQ(Scale(id, 2).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(DeploymentServiceTest, StopAndStart) {
  std::string id = Create();
  MarkRunning(id);
  StatusOr<Deployment> stopped = env_.deployments->Stop(kUser, id);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->status, DeploymentStatus::kStopped);
  EXPECT_EQ(Stored(id).desired, DesiredState::kStopped);
  size_t events = Events(id).size();
  size_t triggers = env_.trigger.ids().size();
  int64_t version = Stored(id).version;

  StatusOr<Deployment> again = env_.deployments->Stop(kUser, id);  // a no-op
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, DeploymentStatus::kStopped);
  EXPECT_EQ(Events(id).size(), events);
  EXPECT_EQ(Stored(id).version, version);
  EXPECT_EQ(env_.trigger.ids().size(), triggers);

  StatusOr<Deployment> started = env_.deployments->Start(kUser, id);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->status, DeploymentStatus::kPending);
  EXPECT_EQ(Stored(id).desired, DesiredState::kRunning);
  EXPECT_EQ(Events(id).back().type, "Started");
  version = Stored(id).version;
  ASSERT_TRUE(env_.deployments->Start(kUser, id).ok());  // already running: a no-op
  EXPECT_EQ(Stored(id).version, version);
}

TEST_F(DeploymentServiceTest, DeleteIsFinal) {
  std::string id = Create();
  StatusOr<Deployment> deleted = env_.deployments->Delete(kUser, id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->status, DeploymentStatus::kDeleting);
  EXPECT_EQ(Stored(id).desired, DesiredState::kDeleted);
  EXPECT_EQ(Events(id).back().type, "DeleteRequested");
  size_t events = Events(id).size();

  ASSERT_TRUE(env_.deployments->Delete(kUser, id).ok());  // repeated: accepted, no change
  EXPECT_EQ(Events(id).size(), events);
  const std::string refused = "Deployment " + id + " is DELETING; ";
  EXPECT_EQ(Scale(id, 6).status(), FailedPrecondition(refused + "scale is not allowed"));
  EXPECT_EQ(env_.deployments->Stop(kUser, id).status(),
            FailedPrecondition(refused + "stop is not allowed"));
  EXPECT_EQ(env_.deployments->Start(kUser, id).status(),
            FailedPrecondition(refused + "start is not allowed"));
}

// Stands in for the reconciler's ReplicaReader: answers what the test sets, records who asked.
class FixedReplicas : public ReplicaReader {
 public:
  StatusOr<std::vector<ReplicaInfo>> Replicas(const std::string& deployment_uid) override {
    asked.push_back(deployment_uid);
    return answer;
  }
  StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) override {
    logs_asked.push_back(replica_id);
    return LogTail{"up to " + std::to_string(max_bytes) + "\n", false};
  }
  StatusOr<std::vector<ReplicaInfo>> answer = std::vector<ReplicaInfo>{};
  std::vector<std::string> asked;
  std::vector<std::string> logs_asked;
};

TEST_F(DeploymentServiceTest, ReplicasAreReadThroughTheReconciler) {
  FixedReplicas reader;
  DeploymentService svc(*env_.store, *env_.models, env_.trigger, env_.clock, nullptr, &reader);
  std::string id = Create();
  ReplicaInfo replica;
  replica.replica_id = "r1";
  replica.deployment_uid = Stored(id).uid;
  reader.answer = std::vector<ReplicaInfo>{replica};

  StatusOr<std::vector<ReplicaInfo>> listed = svc.Replicas(kUser, id);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].replica_id, "r1");
  EXPECT_EQ(reader.asked, std::vector<std::string>{Stored(id).uid});  // this incarnation's uid

  EXPECT_EQ(svc.Replicas(kOtherWorkspace, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reader.asked.size(), 1u);  // tenancy first: the runtime is not asked

  reader.answer = Unavailable("runtime unreachable");  // could not look: said so, not "none"
  EXPECT_EQ(svc.Replicas(kUser, id).status(), Unavailable("runtime unreachable"));
}

TEST_F(DeploymentServiceTest, ReplicaLogOnlyOfTheDeploymentsOwnReplicas) {
  FixedReplicas reader;
  DeploymentService svc(*env_.store, *env_.models, env_.trigger, env_.clock, nullptr, &reader);
  std::string id = Create();
  ReplicaInfo replica;
  replica.replica_id = "r1";
  reader.answer = std::vector<ReplicaInfo>{replica};

  StatusOr<LogTail> tail = svc.ReplicaLog(kUser, id, "r1", 100);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_EQ(tail->text, "up to 100\n");
  EXPECT_EQ(svc.ReplicaLog(kUser, id, "r2", 100).status(),
            NotFound("deployment " + id + " has no replica r2"));
  EXPECT_EQ(svc.ReplicaLog(kOtherWorkspace, id, "r1", 100).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reader.logs_asked, std::vector<std::string>{"r1"});  // only the one that belongs
}

TEST_F(DeploymentServiceTest, LimitsAndOverflowFollowThePlan) {
  std::string mu = Create();
  StatusOr<Deployment> limited =
      env_.deployments->UpdateLimits(kUser, mu, {{true, 600}, {false, std::nullopt}});
  ASSERT_TRUE(limited.ok()) << limited.status().ToString();
  EXPECT_EQ(Stored(mu).rpm_limit, 600);
  EXPECT_EQ(Events(mu).back().message, "rpm_limit 600, tpm_limit none");
  EXPECT_EQ(env_.deployments->UpdateOverflowStrategy(kUser, mu, "disable").status().code(),
            StatusCode::kInvalidArgument);

  CreateDeploymentRequest ptu;
  ptu.model_name = "qwen-max";
  std::string id = Create(ptu);
  EXPECT_EQ(env_.deployments->UpdateLimits(kUser, id, {{true, 600}, {}}).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(env_.deployments->UpdateOverflowStrategy(kUser, id, "disable").ok());
  EXPECT_EQ(Stored(id).overflow_strategy, "disable");
  EXPECT_EQ(env_.deployments->UpdateOverflowStrategy(kUser, id, "off").status(),
            InvalidArgument("overflow_strategy must be \"enable\" or \"disable\", got \"off\""));
}

TEST_F(DeploymentServiceTest, ConcurrentScalesLoseNoUpdate) {
  std::string id = Create();
  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = Scale(id, 2 * (i + 1)).status(); });
  }
  for (std::thread& t : threads) t.join();
  std::set<int> requested;
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_TRUE(results[i].ok()) << results[i].ToString();
    requested.insert(2 * (i + 1));
  }
  Deployment d = Stored(id);
  EXPECT_EQ(d.version, 1 + kThreads);
  EXPECT_TRUE(requested.count(d.capacity)) << d.capacity;
  std::vector<DeploymentEvent> events = Events(id);
  ASSERT_EQ(events.size(), 1u + kThreads);
  EXPECT_EQ(events.back().capacity, d.capacity);  // the last write is the one stored
  std::set<int> written;
  for (size_t i = 1; i < events.size(); ++i) written.insert(events[i].capacity);
  EXPECT_EQ(written, requested);  // every scale was applied once
}

// The docs keep a deleted deployment's events; they were unreachable (404) once the record was
// gone. Now they answer the latest incarnation's, within the caller's workspace only.
TEST_F(DeploymentServiceTest, EventsOutliveTheRecord) {
  std::string id = Create();
  ASSERT_TRUE(env_.deployments->Delete(kUser, id).ok());
  Deployment d = Stored(id);
  env_.clock.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(env_.store
                  ->DeleteDeployment(
                      id, d.version,
                      MakeEvent(d, "Deleted", "replicas gone", "reconciler", env_.clock.Now()))
                  .ok());
  ASSERT_EQ(env_.deployments->Get(kUser, id).status(), ModelNotFound(id));
  std::vector<DeploymentEvent> events = Events(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events.front().type, "Created");
  EXPECT_EQ(events.back().type, "Deleted");
  EXPECT_EQ(env_.deployments->Events(kOtherWorkspace, id).status(), ModelNotFound(id));
  EXPECT_EQ(env_.deployments->Events(kUser, "never-existed").status(),
            ModelNotFound("never-existed"));

  // Created again under the same name: the live record's events, then the newest incarnation's.
  ASSERT_EQ(Create(), id);
  events = Events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Created");
}

}  // namespace
}  // namespace berth
