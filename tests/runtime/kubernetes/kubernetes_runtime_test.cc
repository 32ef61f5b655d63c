// KubernetesRuntime against FakeKubeApi: Deployment per incarnation, scale through /scale,
// pod readiness to replicas, no room, fatal waits, refusals, and the watch re-list after
// expiry (both forms) or a dropped stream.
#include "runtime/kubernetes/kubernetes_runtime.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_kube_api.h"

namespace berth {
namespace {

using Json = nlohmann::json;

class KubernetesRuntimeTest : public ::testing::Test {
 protected:
  void Open() {
    if (!api_) {
      owned_ = std::make_unique<FakeKubeApi>();
      api_ = owned_.get();
    }
    KubernetesRuntimeOptions options;
    options.kube_namespace = "ns";
    options.placement_timeout = Millis(60000);
    options.cache.retry_base = Millis(10);
    api_->Uncancel();
    auto runtime = KubernetesRuntime::Open(options, KubeTemplates(EngineSimPodTemplate("berth:t")),
                                           std::make_unique<ForwardingApi>(*api_), clock_);
    ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
    runtime_ = std::move(*runtime);
    runtime_->OnReplicaChange([this](const std::string& m) {
      std::lock_guard lock(mu_);
      changed_.push_back(m);
    });
  }
  void SetUp() override { Open(); }

  // The runtime owns its transport; the fake outlives reopenings.
  class ForwardingApi : public KubeTransport {
   public:
    explicit ForwardingApi(FakeKubeApi& api) : api_(api) {}
    StatusOr<KubeResponse> Call(const KubeRequest& r) override { return api_.Call(r); }
    StatusOr<KubeResponse> Watch(const std::string& p, const LineHandler& h) override {
      return api_.Watch(p, h);
    }
    void CancelWatches() override { api_.CancelWatches(); }

   private:
    FakeKubeApi& api_;
  };

  ReplicaSpec Spec(const std::string& model = "qwen-plus-a1", const std::string& uid = "u1") {
    ReplicaSpec s;
    s.deployment_uid = uid;
    s.deployed_model = model;
    s.model_name = "qwen-plus";
    s.unit_spec = "MU1";
    s.units = 2;
    return s;
  }

  std::vector<ReplicaInfo> List(const std::string& uid = "u1") {
    auto list = runtime_->ListReplicas(uid);
    EXPECT_TRUE(list.ok());
    return list.ok() ? *list : std::vector<ReplicaInfo>{};
  }

  // Waits (bounded) until the watch has brought the cache to `pred`.
  template <typename Pred>
  bool Eventually(Pred pred) {
    for (int i = 0; i < 200; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  static bool AllPods(const std::vector<ReplicaInfo>& list) {
    for (const ReplicaInfo& r : list) {
      if (r.replica_id.find("-pending-") != std::string::npos) return false;
    }
    return true;
  }

  std::string OnlyPod() {
    auto pods = api_->Pods();
    return pods.size() == 1 ? pods[0]["metadata"]["name"].get<std::string>() : "";
  }

  FakeClock clock_;
  std::unique_ptr<FakeKubeApi> owned_;
  FakeKubeApi* api_ = nullptr;
  std::mutex mu_;
  std::vector<std::string> changed_;  // guarded by mu_; before runtime_, whose thread adds to it
  std::unique_ptr<KubernetesRuntime> runtime_;  // destroyed first: its threads end
};

TEST_F(KubernetesRuntimeTest, FirstReplicaAppliesTheDeploymentWithoutReplicasThenScales) {
  auto started = runtime_->StartReplica(Spec());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(started->state, ReplicaState::kStarting);
  auto deployments = api_->Deployments();
  ASSERT_EQ(deployments.size(), 1u);
  const Json& d = deployments[0];
  EXPECT_EQ(d["metadata"]["labels"]["berth.dev/deployment-uid"], "u1");
  EXPECT_EQ(d["metadata"]["labels"]["app.kubernetes.io/managed-by"], "berth");
  const Json& c = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["resources"]["limits"]["nvidia.com/gpu"], "2");  // 2 units × 1 GPU
  EXPECT_EQ(c["args"][6], "qwen-plus-a1");
  EXPECT_TRUE(c.contains("startupProbe"));
  EXPECT_TRUE(c["lifecycle"]["preStop"].is_object());
  EXPECT_EQ(api_->Calls("PATCH /apis/apps/v1/namespaces/ns/deployments/qwen-plus-a1-"), 2);
  EXPECT_TRUE(Eventually([&] { return List().size() == 1 && List()[0].replica_id == OnlyPod(); }));
}

TEST_F(KubernetesRuntimeTest, ReadyPodIsAReadyReplicaWithItsAddressAndTriggersTheOwner) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty(); }));
  api_->SetPodReady(OnlyPod(), "10.0.0.7", true);
  ASSERT_TRUE(Eventually([&] { return List()[0].state == ReplicaState::kReady; }));
  ReplicaInfo r = List()[0];
  EXPECT_EQ(r.host, "10.0.0.7");
  EXPECT_EQ(r.port, 8000);
  EXPECT_EQ(r.node, "node-1");
  std::lock_guard lock(mu_);
  EXPECT_NE(std::find(changed_.begin(), changed_.end(), "qwen-plus-a1"), changed_.end());
}

TEST_F(KubernetesRuntimeTest, ScaleUpAndDownThroughScaleAndTheLastStopDeletesTheDeployment) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return List().size() == 2 && AllPods(List()); }));
  std::string first = List()[0].replica_id;
  ASSERT_TRUE(runtime_->StopReplica(first).ok());
  ASSERT_TRUE(Eventually([&] { return List().size() == 1 && List()[0].replica_id == OnlyPod(); }));
  EXPECT_NE(List()[0].replica_id, first);
  ASSERT_TRUE(runtime_->StopReplica(List()[0].replica_id).ok());
  EXPECT_TRUE(api_->Deployments().empty());
  EXPECT_TRUE(Eventually([&] { return api_->Pods().empty() && List().empty(); }));
}

TEST_F(KubernetesRuntimeTest, UnschedulablePodWaitsWithTheSchedulersReasonThenFails) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty(); }));
  const std::string why = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
  api_->SetPodUnschedulable(OnlyPod(), why);
  ASSERT_TRUE(Eventually([&] { return List().empty(); }));  // waiting: not a replica yet
  auto again = runtime_->StartReplica(Spec());
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(again.status().message().find(why), std::string::npos);
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0].state, ReplicaState::kFailed);
  EXPECT_NE(List()[0].last_error.find(why), std::string::npos);
}

TEST_F(KubernetesRuntimeTest, ImagePullBackOffBeforeFirstReadyFailsWithTheMessage) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty(); }));
  api_->SetPodWaiting(OnlyPod(), "ImagePullBackOff", "Back-off pulling image \"nope:1\"");
  ASSERT_TRUE(Eventually([&] { return List()[0].state == ReplicaState::kFailed; }));
  EXPECT_EQ(List()[0].last_error, "ImagePullBackOff: Back-off pulling image \"nope:1\"");
}

TEST_F(KubernetesRuntimeTest, CrashLoopAfterReadyIsARestartNotAFailure) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty(); }));
  api_->SetPodReady(OnlyPod(), "10.0.0.7", true);
  ASSERT_TRUE(Eventually([&] { return List()[0].state == ReplicaState::kReady; }));
  api_->SetPodWaiting(OnlyPod(), "CrashLoopBackOff", "back-off 10s");
  ASSERT_TRUE(Eventually([&] { return List()[0].state == ReplicaState::kStarting; }));
  EXPECT_EQ(List()[0].restarts, 3);
}

TEST_F(KubernetesRuntimeTest, RefusedObjectFailsTheReplicaWithTheApiserversMessage) {
  api_->RejectApplies(
      "Deployment.apps \"x\" is invalid: spec.template.spec.containers[0].image: Required value");
  auto started = runtime_->StartReplica(Spec());
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->state, ReplicaState::kFailed);
  ASSERT_EQ(List().size(), 1u);
  EXPECT_NE(List()[0].last_error.find("image: Required value"), std::string::npos);
  ASSERT_TRUE(runtime_->StopReplica(List()[0].replica_id).ok());
  EXPECT_TRUE(List().empty());
}

TEST_F(KubernetesRuntimeTest, RbacRefusalNamesTheVerbAndResource) {
  api_->SetForbidden("PATCH deployments");
  auto started = runtime_->StartReplica(Spec());
  EXPECT_EQ(started.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(started.status().message().find("patch deployments.apps"), std::string::npos);
}

TEST_F(KubernetesRuntimeTest, UnreachableApiserverKeepsTheLastKnownReplicas) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty(); }));
  api_->SetPodReady(OnlyPod(), "10.0.0.7", true);
  ASSERT_TRUE(Eventually([&] { return List()[0].state == ReplicaState::kReady; }));
  api_->SetUnreachable(true);
  EXPECT_EQ(runtime_->StartReplica(Spec()).status().code(), StatusCode::kUnavailable);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0].state, ReplicaState::kReady);
  api_->SetUnreachable(false);
}

// The production-stack #1091 case: a pod deleted while berth was not watching must not stay
// routed once the watch comes back, whichever way the apiserver says the version expired.
TEST_F(KubernetesRuntimeTest, WatchExpiryBothFormsRelistsAndDropsDeletedPods) {
  for (bool as_http : {false, true}) {
    ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
    ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
    std::string pod = OnlyPod();
    api_->SetPodReady(pod, "10.0.0.7", true);
    ASSERT_TRUE(
        Eventually([&] { return !List().empty() && List()[0].state == ReplicaState::kReady; }));
    api_->ExpireAsHttp(as_http);
    api_->HoldWatches(true);
    api_->EndWatches();  // the stream ends; the next watch resumes from berth's version
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int relists = api_->Calls("GET /api/v1/namespaces/ns/pods");
    api_->RemovePod(pod);  // gone, and its events compacted away while berth was away
    api_->Compact();
    api_->HoldWatches(false);
    ASSERT_TRUE(
        Eventually([&] { return api_->Calls("GET /api/v1/namespaces/ns/pods") > relists; }));
    ASSERT_TRUE(Eventually([&] {
      auto list = List();
      return list.size() == 1 && list[0].replica_id != pod;
    })) << "as_http="
        << as_http;
    EXPECT_NE(List()[0].state, ReplicaState::kReady);
    ASSERT_TRUE(runtime_->StopReplica(List()[0].replica_id).ok());
    ASSERT_TRUE(Eventually([&] { return api_->Pods().empty(); }));
  }
}

TEST_F(KubernetesRuntimeTest, ReopeningAdoptsPodsWithoutRestartingThem) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 2; }));
  for (const Json& p : api_->Pods()) api_->SetPodReady(p["metadata"]["name"], "10.0.0.9", true);
  int64_t version = api_->ResourceVersion();
  runtime_.reset();
  Open();
  ASSERT_TRUE(Eventually([&] { return List().size() == 2; }));
  EXPECT_EQ(List()[0].state, ReplicaState::kReady);
  EXPECT_EQ(List()[1].state, ReplicaState::kReady);
  EXPECT_EQ(api_->ResourceVersion(), version);  // nothing written: no pod restarted
  auto all = runtime_->ListAllReplicas();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(KubernetesRuntimeTest, LoraIsAFailedReplicaSayingWhyUntilDetached) {
  ReplicaSpec s = Spec();
  s.plan = Plan::kLora;
  s.base_model = "qwen3-8b";
  ASSERT_TRUE(runtime_->AttachAdapter(s).ok());
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0].state, ReplicaState::kFailed);
  EXPECT_NE(List()[0].last_error.find("lora"), std::string::npos);
  EXPECT_EQ(List()[0].pool, "qwen3-8b");
  EXPECT_TRUE(api_->Deployments().empty());
  ASSERT_TRUE(runtime_->DetachAdapter("u1").ok());
  EXPECT_TRUE(List().empty());
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

// The API semantics the runtime's error mapping relies on, as the fake plays them (the real
// apiserver's answers are checked in tests/integration/test_kubernetes.py).
TEST(KubeErrorTest, ConflictIsAbortedAndAlreadyExistsIsItsOwnCode) {
  FakeKubeApi api;
  const std::string path = "/apis/apps/v1/namespaces/ns/deployments";
  nlohmann::json d = {{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 0}}}};
  auto created = api.Call({"POST", path, "application/json", d.dump()});
  ASSERT_EQ(created->status, 201);
  auto again = api.Call({"POST", path, "application/json", d.dump()});
  EXPECT_EQ(KubeError(*again, "create", "deployments.apps").code(), StatusCode::kAlreadyExists);
  d["metadata"]["resourceVersion"] = "1";  // stale
  auto stale = api.Call({"PUT", path + "/d", "application/json", d.dump()});
  EXPECT_EQ(KubeReason(stale->body), "Conflict");
  EXPECT_EQ(KubeError(*stale, "update", "deployments.apps").code(), StatusCode::kAborted);
  auto no_manager = api.Call({"PATCH", path + "/d", "application/apply-patch+yaml", d.dump()});
  EXPECT_EQ(no_manager->status, 422);
  EXPECT_EQ(KubeError(*no_manager, "patch", "deployments.apps").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KubeError({410, R"({"reason":"Expired"})"}, "watch", "pods").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(KubeError({503, ""}, "list", "pods").code(), StatusCode::kUnavailable);
}

TEST(KubeErrorTest, IdenticalApplyKeepsTheResourceVersion) {
  FakeKubeApi api;
  const std::string path = "/apis/apps/v1/namespaces/ns/deployments/d?fieldManager=berth";
  nlohmann::json d = {{"metadata", {{"name", "d"}}},
                      {"spec", {{"template", {{"metadata", nlohmann::json::object()}}}}}};
  ASSERT_EQ(api.Call({"PATCH", path, "application/apply-patch+yaml", d.dump()})->status, 201);
  int64_t version = api.ResourceVersion();
  ASSERT_EQ(api.Call({"PATCH", path, "application/apply-patch+yaml", d.dump()})->status, 200);
  EXPECT_EQ(api.ResourceVersion(), version);
}

}  // namespace
}  // namespace berth
