// KubernetesRuntime against FakeKubeApi: Deployment per incarnation, scale through /scale,
// pod readiness to replicas, no room, fatal waits, refusals, and the watch re-list after
// expiry (both forms) or a dropped stream.
#include "runtime/kubernetes/kubernetes_runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_kube_api.h"

namespace berth {
namespace {

using Json = nlohmann::json;

// Records the adapter calls the runtime makes to pool pods' engines; refuses loads on demand.
class FakeEngines : public EngineClient {
 public:
  bool Healthy(int, const std::string&, Millis) override { return true; }
  Status EnsureAdapter(EngineAddress engine, const std::string& name, const std::string& path,
                       Millis) override {
    std::lock_guard lock(mu_);
    if (refuse_) return FailedPrecondition("HTTP 400: no adapter at " + path);
    loads_.push_back(name + "@" + engine.host + ":" + std::to_string(engine.port) + " " + path);
    return Status::Ok();
  }
  Status RemoveAdapter(EngineAddress engine, const std::string& name, Millis) override {
    std::lock_guard lock(mu_);
    unloads_.push_back(name + "@" + engine.host);
    return Status::Ok();
  }
  std::vector<std::string> Loads() {
    std::lock_guard lock(mu_);
    return loads_;
  }
  std::vector<std::string> Unloads() {
    std::lock_guard lock(mu_);
    return unloads_;
  }
  void Refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> loads_;    // guarded by mu_
  std::vector<std::string> unloads_;  // guarded by mu_
  bool refuse_ = false;               // guarded by mu_
};

class KubernetesRuntimeTest : public ::testing::Test {
 protected:
  void Open() {
    if (!api_) {
      owned_ = std::make_unique<FakeKubeApi>();
      api_ = owned_.get();
    }
    runtime_ = OpenAnother();
    runtime_->OnReplicaChange([this](const std::string& m) {
      std::lock_guard lock(mu_);
      changed_.push_back(m);
    });
  }
  // Another runtime on the same cluster, as a second berth instance has.
  std::unique_ptr<KubernetesRuntime> OpenAnother() {
    KubernetesRuntimeOptions options;
    options.kube_namespace = "ns";
    options.placement_timeout = Millis(60000);
    options.cache.retry_base = Millis(10);
    options.engine_client = engines_;
    options.loader_tick = Millis(5);
    options.idle_pool_grace = Millis(60000);
    api_->Uncancel();
    auto runtime = KubernetesRuntime::Open(options, KubeTemplates(builtin_),
                                           std::make_unique<ForwardingApi>(*api_), clock_);
    EXPECT_TRUE(runtime.ok()) << runtime.status().ToString();
    return runtime.ok() ? std::move(*runtime) : nullptr;
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

  ReplicaSpec LoraSpec(const std::string& model, const std::string& uid) {
    ReplicaSpec s = Spec(model, uid);
    s.plan = Plan::kLora;
    s.model_name = model;
    s.base_model = "qwen3-8b";
    s.unit_spec = "";
    s.units = 1;
    return s;
  }

  std::vector<std::string> PodNames() {
    std::vector<std::string> names;
    for (const Json& p : api_->Pods()) names.push_back(p["metadata"]["name"]);
    return names;
  }

  KubePodTemplate builtin_ = EngineSimPodTemplate("berth:t");
  std::shared_ptr<FakeEngines> engines_ = std::make_shared<FakeEngines>();
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

// The log is read through the apiserver, bounded, and ends at whole lines; errors say why.
TEST_F(KubernetesRuntimeTest, ReplicaLogTailIsThePodsLogEndAndErrorsAreClear) {
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return !OnlyPod().empty() && AllPods(List()); }));
  std::string pod = OnlyPod();
  auto waiting = runtime_->ReplicaLogTail(pod, 100);
  EXPECT_EQ(waiting.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(waiting.status().message().find("waiting to start"), std::string::npos);

  std::string log;
  for (int i = 0; i < 200; ++i) log += "line " + std::to_string(i) + " of the engine\n";
  api_->SetPodLog(pod, log);
  auto tail = runtime_->ReplicaLogTail(pod, 64);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_EQ(tail->text, "line 198 of the engine\nline 199 of the engine\n");  // 23 bytes each
  EXPECT_TRUE(tail->truncated);
  auto whole = runtime_->ReplicaLogTail(pod, 1 << 16);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->text, log);
  EXPECT_FALSE(whole->truncated);
  std::string one_long_line(100000, 'x');  // limitBytes cuts it: fewer lines are asked for
  api_->SetPodLog(pod, log + one_long_line + "\nlast\n");
  auto cut = runtime_->ReplicaLogTail(pod, 1000);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->text, "last\n");

  api_->SetForbidden("GET pods/log");
  auto denied = runtime_->ReplicaLogTail(pod, 100);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("get pods/log"), std::string::npos);
  api_->SetForbidden("");
  EXPECT_EQ(runtime_->ReplicaLogTail("qwen-plus-a1-nope", 100).status().code(),
            StatusCode::kNotFound);
  api_->RemovePod(pod);  // gone behind berth's back, before its watch tells it
  EXPECT_EQ(runtime_->ReplicaLogTail(pod, 100).status().code(), StatusCode::kNotFound);
}

// The base model's pool is one Deployment; each adapter is loaded into every ready pool pod,
// and into a pod that replaces one or whose container restarted.
TEST_F(KubernetesRuntimeTest, LoraAdaptersLoadIntoEveryReadyPoolPodAndPodsThatComeLater) {
  builtin_.lora_pool.replicas = 2;
  runtime_.reset();
  Open();
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-b", "ub")).ok());
  ASSERT_EQ(api_->Deployments().size(), 1u);
  const Json pool = api_->Deployments()[0];
  EXPECT_EQ(pool["metadata"]["labels"]["berth.dev/lora-pool"], "true");
  EXPECT_EQ(pool["spec"]["template"]["spec"]["containers"][0]["args"][6], "qwen3-8b");
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 2; }));
  ASSERT_EQ(List("ua").size(), 2u);
  EXPECT_EQ(List("ua")[0].pool, "qwen3-8b");
  EXPECT_NE(List("ua")[0].state, ReplicaState::kReady);  // no pod is ready yet

  std::vector<std::string> pods = PodNames();
  api_->SetPodReady(pods[0], "10.0.0.1", true);
  api_->SetPodReady(pods[1], "10.0.0.2", true);
  auto all_ready = [&](const std::string& uid) {
    auto list = List(uid);
    return list.size() == 2 && std::all_of(list.begin(), list.end(), [](const ReplicaInfo& r) {
             return r.state == ReplicaState::kReady;
           });
  };
  ASSERT_TRUE(Eventually([&] { return all_ready("ua") && all_ready("ub"); }));
  auto loads = engines_->Loads();
  EXPECT_EQ(loads.size(), 4u);
  EXPECT_NE(std::find(loads.begin(), loads.end(), "ft-a@10.0.0.2:8000 ft-a"), loads.end());
  EXPECT_EQ(List("ua")[0].host.substr(0, 7), "10.0.0.");
  {
    std::lock_guard lock(mu_);
    EXPECT_NE(std::find(changed_.begin(), changed_.end(), "ft-a"), changed_.end());
  }

  // A pod replaced by the ReplicaSet, and a container restarted: loaded again.
  api_->RemovePod(pods[0]);
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 2; }));
  std::string later = PodNames()[0] == pods[1] ? PodNames()[1] : PodNames()[0];
  api_->SetPodReady(later, "10.0.0.3", true);
  api_->SetPodReady(pods[1], "10.0.0.2", true, /*restarts=*/1);
  ASSERT_TRUE(Eventually([&] { return engines_->Loads().size() == 8u; }));
  ASSERT_TRUE(Eventually([&] { return all_ready("ua") && all_ready("ub"); }));
  loads = engines_->Loads();
  EXPECT_NE(std::find(loads.begin(), loads.end(), "ft-b@10.0.0.3:8000 ft-b"), loads.end());

  // Detaching one adapter unloads it and keeps the pool; the last one deletes the pool.
  ASSERT_TRUE(runtime_->DetachAdapter("ua").ok());
  EXPECT_TRUE(List("ua").empty());
  ASSERT_TRUE(Eventually([&] { return engines_->Unloads().size() == 2u; }));
  EXPECT_EQ(api_->Deployments().size(), 1u);
  ASSERT_TRUE(runtime_->DetachAdapter("ub").ok());
  EXPECT_TRUE(api_->Deployments().empty());
  EXPECT_TRUE(Eventually([&] { return api_->Pods().empty(); }));
}

TEST_F(KubernetesRuntimeTest, LoraAdapterTheEngineRefusesFailsAfterItsTries) {
  engines_->Refuse(true);
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  api_->SetPodReady(OnlyPod(), "10.0.0.1", true);
  ASSERT_TRUE(Eventually(
      [&] { return List("ua")[0].last_error.find("no adapter at ft-a") != std::string::npos; }));
  EXPECT_EQ(List("ua")[0].state, ReplicaState::kStarting);  // tried again after a backoff
  ASSERT_TRUE(Eventually([&] {
    clock_.Advance(std::chrono::seconds(40));  // past each backoff
    return List("ua")[0].state == ReplicaState::kFailed;
  }));
  EXPECT_NE(List("ua")[0].last_error.find("gave up after 3 tries"), std::string::npos);
}

TEST_F(KubernetesRuntimeTest, LoraOnATemplateThatCannotLoadAdaptersIsRefusedSayingWhy) {
  builtin_.kind = EngineKind::kLlamaCpp;
  runtime_.reset();
  Open();
  Status attached = runtime_->AttachAdapter(LoraSpec("ft-a", "ua"));
  EXPECT_EQ(attached.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(attached.message().find("llamacpp"), std::string::npos);
  EXPECT_TRUE(api_->Deployments().empty());
  EXPECT_EQ(runtime_->CheckLora("qwen3-8b").code(), StatusCode::kFailedPrecondition);  // refused
  builtin_.kind = EngineKind::kVllm;  // at registration already; a vllm engine can serve it
  runtime_.reset();
  Open();
  EXPECT_TRUE(runtime_->CheckLora("qwen3-8b").ok());
}

TEST_F(KubernetesRuntimeTest, ReopeningAdoptsTheLoraPoolWithoutRestartingIt) {
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  api_->SetPodReady(OnlyPod(), "10.0.0.1", true);
  ASSERT_TRUE(Eventually([&] { return List("ua")[0].state == ReplicaState::kReady; }));
  int64_t version = api_->ResourceVersion();
  runtime_.reset();
  Open();
  auto all = runtime_->ListAllReplicas();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());  // the pool's pods are known, and no adapter is attached yet
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return List("ua")[0].state == ReplicaState::kReady; }));
  EXPECT_EQ(api_->ResourceVersion(), version);  // nothing written: the pod was not restarted
  EXPECT_EQ(engines_->Loads().size(), 2u);      // loaded again (the engine keeps it: idempotent)
}

// Several instances: one that does not act reads the pods another made, as they are.
TEST_F(KubernetesRuntimeTest, AnInstanceThatDoesNotActReadsThePodsAnotherMade) {
  std::unique_ptr<KubernetesRuntime> follower = OpenAnother();
  follower->ShareWith([] { return false; });
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 2; }));
  api_->SetPodReady(PodNames()[0], "10.0.0.5", true);
  ASSERT_TRUE(Eventually([&] {
    auto seen = follower->ListReplicas("u1");
    return seen.ok() && seen->size() == 2 && AllPods(*seen) &&
           ((*seen)[0].state == ReplicaState::kReady || (*seen)[1].state == ReplicaState::kReady);
  }));
  auto seen = follower->ListReplicas("u1");
  for (const ReplicaInfo& r : *seen) {
    EXPECT_EQ(r.units, 2);
    EXPECT_EQ(r.port, 8000);
    if (r.state == ReplicaState::kReady) {
      EXPECT_EQ(r.host, "10.0.0.5");
    }
  }
}

// ... and a lora deployment's replicas from its pool's pods, which the acting instance marks
// with each adapter it loaded into their current container.
TEST_F(KubernetesRuntimeTest, AnInstanceThatDoesNotActReadsTheAdaptersThePoolPodsServe) {
  // Declared before the follower, so they outlive its watch thread, which runs the callback.
  std::mutex mu;
  std::vector<std::string> triggered;  // guarded by mu
  std::unique_ptr<KubernetesRuntime> follower = OpenAnother();
  follower->ShareWith([] { return false; });
  follower->OnReplicaChange([&](const std::string& model) {
    std::lock_guard lock(mu);
    triggered.push_back(model);
  });
  auto seen = [&](const std::string& uid) {
    auto list = follower->ListReplicas(uid);
    return list.ok() ? *list : std::vector<ReplicaInfo>{};
  };
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  EXPECT_TRUE(seen("ua").empty());  // nothing loaded yet
  api_->SetPodReady(OnlyPod(), "10.0.0.1", true);
  ASSERT_TRUE(Eventually([&] { return seen("ua").size() == 1; }));
  ReplicaInfo r = seen("ua")[0];
  EXPECT_EQ(r.state, ReplicaState::kReady);
  EXPECT_EQ(r.pool, "qwen3-8b");
  EXPECT_EQ(r.host, "10.0.0.1");
  EXPECT_EQ(r.deployment_uid, "ua");
  EXPECT_EQ(api_->Pods()[0]["metadata"]["annotations"]["berth.dev/adapter-ua"], "0 ft-a");
  // The follower looks at the adapter deployment again. The watch thread reports the change
  // just after the cache took it, so a read can see the pod before the report arrives.
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return std::find(triggered.begin(), triggered.end(), "ft-a") != triggered.end();
  }));

  engines_->Refuse(true);  // the restarted container does not get it back for now
  api_->SetPodReady(OnlyPod(), "10.0.0.1", true, /*restarts=*/1);
  ASSERT_TRUE(Eventually([&] { return seen("ua")[0].state != ReplicaState::kReady; }));
  engines_->Refuse(false);
  clock_.Advance(std::chrono::seconds(2));  // past the backoff
  ASSERT_TRUE(Eventually([&] { return seen("ua")[0].state == ReplicaState::kReady; }));

  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-b", "ub")).ok());
  ASSERT_TRUE(runtime_->DetachAdapter("ua").ok());
  EXPECT_TRUE(Eventually([&] { return seen("ua").empty() && seen("ub").size() == 1; }));
}

// The pod cache's index of adapters by pool pod follows a re-list too: a pool pod deleted (and
// its events compacted away) while the watch was down leaves no adapter replica behind.
TEST_F(KubernetesRuntimeTest, AReListDropsTheAdaptersOfPoolPodsThatWentAway) {
  std::unique_ptr<KubernetesRuntime> follower = OpenAnother();
  follower->ShareWith([] { return false; });
  auto seen = [&](const std::string& uid) {
    auto list = follower->ListReplicas(uid);
    return list.ok() ? *list : std::vector<ReplicaInfo>{};
  };
  engines_->Refuse(true);  // the replacement pod stays without the adapter
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  std::string pod = OnlyPod();
  engines_->Refuse(false);
  api_->SetPodReady(pod, "10.0.0.1", true);
  ASSERT_TRUE(Eventually([&] { return seen("ua").size() == 1; }));
  engines_->Refuse(true);
  api_->HoldWatches(true);
  api_->EndWatches();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  api_->RemovePod(pod);
  api_->Compact();
  api_->HoldWatches(false);
  EXPECT_TRUE(Eventually([&] { return seen("ua").empty(); })) << seen("ua").size();
}

// An attach that comes while an idle pool's Deployment is being deleted waits, and the next one
// applies the pool again (it used to count on the Deployment about to go, and stayed without it).
TEST_F(KubernetesRuntimeTest, AnAttachWhileAnIdlePoolIsDeletedWaitsThenAppliesItAgain) {
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Deployments().size() == 1; }));
  runtime_.reset();
  Open();  // adopts the pool, with no adapter attached
  Status during = Status::Ok();
  api_->BeforeNextDeploymentDelete(
      [&] { during = runtime_->AttachAdapter(LoraSpec("ft-a", "ua")); });
  clock_.Advance(std::chrono::seconds(61));  // past the idle grace: the loader deletes it
  ASSERT_TRUE(Eventually([&] { return api_->Deployments().empty(); }));
  EXPECT_EQ(during.code(), StatusCode::kUnavailable) << during.ToString();
  EXPECT_NE(during.message().find("being deleted"), std::string::npos) << during.ToString();
  // The loader drops its "being deleted" mark when the delete call returns, a moment after the
  // API has the Deployment gone: an attach in that moment is still refused the same way. The
  // first one after it applies the pool again.
  Status next = Status::Ok();
  ASSERT_TRUE(Eventually([&] {
    next = runtime_->AttachAdapter(LoraSpec("ft-a", "ua"));
    return next.message().find("being deleted") == std::string::npos;
  }));
  ASSERT_TRUE(next.ok()) << next.ToString();
  EXPECT_EQ(api_->Deployments().size(), 1u);
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  api_->SetPodReady(OnlyPod(), "10.0.0.4", true);
  EXPECT_TRUE(Eventually([&] { return List("ua")[0].state == ReplicaState::kReady; }));
}

// A Role from before adapters were recorded on pods (no patch pods): the adapter still serves
// from the instance that loaded it.
TEST_F(KubernetesRuntimeTest, AnAdapterServesWhenTheRoleCannotPatchPods) {
  api_->SetForbidden("PATCH pods");
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 1; }));
  api_->SetPodReady(OnlyPod(), "10.0.0.1", true);
  EXPECT_TRUE(Eventually([&] { return List("ua")[0].state == ReplicaState::kReady; }));
  EXPECT_FALSE(api_->Pods()[0]["metadata"]["annotations"].contains("berth.dev/adapter-ua"));
}

// The instance that takes over scales on from the Deployment's real count, not from its own
// record (which predates the replicas the other instance started): no pod is scaled away.
TEST_F(KubernetesRuntimeTest, ReadoptTakesEachDeploymentsScaleAsItIsNow) {
  std::unique_ptr<KubernetesRuntime> next = OpenAnother();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(runtime_->StartReplica(Spec()).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 3; }));
  std::vector<std::string> before = PodNames();
  ASSERT_TRUE(next->Readopt().ok());
  ASSERT_TRUE(next->StartReplica(Spec()).ok());
  EXPECT_EQ(api_->Deployments()[0]["spec"]["replicas"], 4);
  ASSERT_TRUE(Eventually([&] { return api_->Pods().size() == 4; }));
  for (const std::string& name : before) {
    std::vector<std::string> now = PodNames();
    EXPECT_NE(std::find(now.begin(), now.end(), name), now.end()) << name << " was removed";
  }
  // ... and forgets a Deployment the other instance deleted meanwhile.
  for (const ReplicaInfo& r : List()) ASSERT_TRUE(runtime_->StopReplica(r.replica_id).ok());
  ASSERT_TRUE(api_->Deployments().empty());
  ASSERT_TRUE(next->Readopt().ok());
  ASSERT_TRUE(next->StartReplica(Spec()).ok());
  EXPECT_EQ(api_->Deployments()[0]["spec"]["replicas"], 1);
}

// An adopted lora pool nobody attaches to is deleted only by the instance that acts, and only
// once it has relearned the pools (another instance may have attached adapters meanwhile).
TEST_F(KubernetesRuntimeTest, OnlyTheActingInstanceDeletesAnIdlePoolAndOnlyAfterRelearning) {
  ASSERT_TRUE(runtime_->AttachAdapter(LoraSpec("ft-a", "ua")).ok());
  ASSERT_TRUE(Eventually([&] { return api_->Deployments().size() == 1; }));
  std::atomic<bool> acting{false};
  std::unique_ptr<KubernetesRuntime> other = OpenAnother();  // adopts the pool, idle
  other->ShareWith([&] { return acting.load(); });
  clock_.Advance(std::chrono::seconds(61));                    // past the idle grace
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // loader ticks of 5 ms
  EXPECT_EQ(api_->Deployments().size(), 1u) << "a follower deleted the pool";
  acting = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(api_->Deployments().size(), 1u) << "deleted before relearning";
  ASSERT_TRUE(other->Readopt().ok());  // the grace starts again
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(api_->Deployments().size(), 1u);
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_TRUE(Eventually([&] { return api_->Deployments().empty(); }));
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

namespace berth {
namespace {

TEST(KubePodTemplateTest, LoraPoolParsesAndABadFieldNamesTheEntry) {
  auto t = ParsePodTemplate("qwen3-*", nlohmann::json::parse(R"({
    "args": ["serve"], "lora_pool": {"replicas": 2, "lora_path": "/loras/{model_name}",
    "args": ["--enable-lora"], "env": {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}}})"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  KubePodTemplate pool = KubePoolTemplate(*t);
  EXPECT_EQ(pool.args, (std::vector<std::string>{"serve", "--enable-lora"}));
  EXPECT_EQ(pool.env.at("VLLM_ALLOW_RUNTIME_LORA_UPDATING"), "True");
  EXPECT_EQ(pool.lora_pool.replicas, 2);
  EXPECT_TRUE(CheckKubeLora(*t, "qwen3-8b").ok());
  auto bad = ParsePodTemplate("qwen3-*", nlohmann::json::parse(R"({
    "args": ["serve"], "lora_pool": {"replicas": 0}})"));
  EXPECT_EQ(bad.status().message(),
            "engines config: entry \"qwen3-*\": kubernetes.lora_pool.replicas must be an integer "
            "from 1 to 64");
  auto none = ParsePodTemplate("x", nlohmann::json::parse(R"({"args": ["serve"]})"));
  EXPECT_NE(CheckKubeLora(*none, "x").message().find("no kubernetes.lora_pool.lora_path"),
            std::string::npos);
}

}  // namespace
}  // namespace berth
