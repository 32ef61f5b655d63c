// KubernetesRuntime: each deployment incarnation is one apps/v1 Deployment in one namespace,
// written by server-side apply (field manager "berth") without `replicas`, and scaled only
// through its /scale subresource; its replicas are the Deployment's pods as a PodCache sees
// them (docs/kubernetes.md). A replica the cluster has yet to create shows as a starting
// placeholder, so the reconciler always sees as many replicas as it asked for.
//
// lora deployments share one Deployment per base model (its pool, lora_pool.replicas pods);
// a loader thread loads each attached adapter into every ready pool pod through the engine's
// API (EngineClient, as the process runtime does), again into pods that come later or restart.
//
// Threads: the RuntimeAdapter methods may be called from any thread (reconcile workers, one
// per deployment at a time); they call the apiserver without holding the runtime's lock. The
// pod cache's watch thread and the adapter threads call the change callback.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "common/thread_pool.h"
#include "runtime/kubernetes/pod_cache.h"
#include "runtime/kubernetes/pod_template.h"
#include "runtime/lora_pool_view.h"
#include "runtime/process/engine_client.h"
#include "runtime/runtime_adapter.h"

namespace berth {

struct KubernetesRuntimeOptions {
  std::string kube_namespace = "default";
  Millis placement_timeout{600000};  // unschedulable this long: the replica has failed
  PodCacheOptions cache;             // namespace and selector are filled in by Open
  // lora pools: how adapters are loaded into pool pods (null: over HTTP, MakeHttpEngineClient).
  std::shared_ptr<EngineClient> engine_client;
  Millis adapter_timeout{60000};  // one load or unload call
  int adapter_max_tries = 3;      // refused loads in a row before the pod's replica has failed
  Millis backoff_base{1000};      // wait before load n: base * 2^(n-1), at most backoff_max
  Millis backoff_max{30000};
  Millis loader_tick{200};        // how often the loader looks for pods lacking an adapter
  Millis idle_pool_grace{60000};  // an adopted pool nobody attaches to is deleted after this
};

class KubernetesRuntime : public RuntimeAdapter {
 public:
  // Lists berth's pods and Deployments (adopting what it finds: nothing is restarted) and
  // starts watching. Fails with the apiserver's answer (PermissionDenied naming the verb and
  // resource, Unavailable when unreachable).
  static StatusOr<std::unique_ptr<KubernetesRuntime>> Open(KubernetesRuntimeOptions options,
                                                           KubeTemplates templates,
                                                           std::unique_ptr<KubeTransport> api,
                                                           const Clock& clock);
  ~KubernetesRuntime() override;

  std::string_view Name() const override { return "kubernetes"; }
  // Creates the Deployment on the first replica, then raises its scale by one. Unavailable
  // while a pod of it cannot be scheduled (the scheduler's message); a failed replica once
  // that lasts placement_timeout, or when the apiserver refuses the rendered object.
  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override;
  // Deletes the pod (it drains: preStop, grace period) and lowers the scale by one; the last
  // replica deletes the Deployment (its pods go with it).
  Status StopReplica(const std::string& replica_id) override;
  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override;
  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override;
  // Applies the base model's pool Deployment (scaled to lora_pool.replicas) with its first
  // adapter; the loader loads the adapter into its pods. Unavailable (the scheduler's message)
  // while a pool pod waits for room; FailedPrecondition for a template that cannot load
  // adapters.
  Status AttachAdapter(const ReplicaSpec& spec) override;
  // Unloads the adapter from the pool's pods; the last one deletes the pool Deployment.
  Status DetachAdapter(const std::string& deployment_uid) override;
  // OK when the template of `base_model` can serve its lora deployments (for registration);
  // FailedPrecondition saying why not.
  Status CheckLora(const std::string& base_model) const {
    return CheckKubeLora(templates_.Resolve(base_model, base_model), base_model);
  }
  // kubernetes_logs.cc: the pod's engine container log through the apiserver. NotFound for no
  // such pod (or one gone meanwhile); FailedPrecondition while its container has not started;
  // PermissionDenied naming get pods/log; Unavailable when the kubelet cannot be reached.
  StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) override;
  void OnReplicaChange(ChangeCallback callback) override;
  // Several instances: while `may_act` is false, ListReplicas reads the pods as they are (the
  // Deployments are another instance's to scale) and idle pools are not deleted.
  void ShareWith(MayActFn may_act) override;
  // Lists the Deployments again and takes their scale as it is now: what another instance made,
  // scaled or deleted while this one did not act.
  Status Readopt() override;

 private:
  struct KubeDeployment {
    std::string name;
    std::string uid;
    std::string deployed_model;
    int replicas = 0;
    int units = 1;
    int port = 8000;
    std::string refused;  // the apiserver refused the rendered object: why
  };

  KubernetesRuntime(KubernetesRuntimeOptions options, KubeTemplates templates,
                    std::unique_ptr<KubeTransport> api, const Clock& clock);
  // Adopts every Deployment berth made (relearn: forgetting those gone meanwhile).
  Status Adopt(bool relearn);
  void ForgetUnseen(const std::set<std::string>& seen);  // Adopt's relearning
  bool MayAct() const;
  // Whether this instance acts and has relearned its Deployments since it last did not (only
  // then are idle pools deleted: one adopted long ago may have adapters another instance
  // attached since).
  bool ActsRelearned();
  std::string DeploymentPath(const std::string& name) const;
  // Applies `d` rendered from `t` (a lora pool's when `pool`); a refusal goes in d.refused.
  Status Apply(const ReplicaSpec& spec, const KubePodTemplate& t, KubeDeployment& d, bool pool);
  Status Scale(const std::string& name, int replicas);
  Status DeleteDeployment(const std::string& name);
  Status DeletePod(const std::string& name);
  // The replicas of one Deployment as the reconciler sees them (see the class comment);
  // `waiting` gets the scheduler's message for pods still waiting for room.
  std::vector<ReplicaInfo> View(const KubeDeployment& d, std::string* waiting) const;
  ReplicaInfo FromPod(const KubeDeployment& d, const PodView& pod) const;
  // The replicas of deployment `uid` as its pods are, for an instance that does not act.
  std::vector<ReplicaInfo> ObservedView(const std::string& uid) const;
  void Changed(const std::string& deployed_model);

  // kubernetes_lora.cc
  struct AdapterLoad : AdapterTries {
    std::string loaded_on;  // the pod incarnation (name#restarts) it is loaded in; empty: none
  };
  struct Adapter {
    std::string deployed_model;  // also the name the engine serves it under
    std::string path;
    std::map<std::string, AdapterLoad> loads;  // by pod name
  };
  struct Pool {
    KubeDeployment d;
    EngineKind kind = EngineKind::kOpenAI;
    std::map<std::string, Adapter> adapters;  // by deployment uid
    SteadyTime idle_since;                    // adopted without adapters: deleted after grace
    bool deleting = false;                    // DeleteIdlePools is deleting its Deployment
  };
  struct AdapterJob {
    std::string base_model;
    std::string deployment_uid;
    std::string pod;
    std::string incarnation;  // name#restarts
    int restarts = 0;
    EngineAddress engine;
    std::string name;
    std::string path;
    bool load = true;
    Status result;
  };
  // A pool Deployment found at start (labelled berth.dev/lora-pool); false for other objects.
  bool AdoptPool(const nlohmann::json& item, KubeDeployment d, bool log);
  ReplicaInfo PoolView(ReplicaInfo r, const Pool& pool, const std::string& uid,
                       const Adapter& adapter) const;
  void ListPoolViewsLocked(const std::string* uid, std::vector<ReplicaInfo>& out) const;
  // The deployed models of the lora deployments a pool pod's change concerns; empty when
  // `deployed_model` is not a pool's.
  std::vector<std::string> PoolAdapterModels(const std::string& deployed_model) const;
  void LoaderLoop();
  // The engine call of `job`, and its record on the pod (kAdapterAnnotationPrefix), which lets
  // every instance route to the adapter: a load counts once both are done.
  Status RunAdapterJob(const AdapterJob& job);
  // Sets (or, with null, removes) one annotation of a pod, by JSON merge patch.
  Status AnnotatePod(const std::string& pod, const std::string& key, const nlohmann::json& value);
  // A lora deployment's replicas as its pool's pods record them, for an instance that does not
  // act: each pool pod the adapter was loaded into, ready while loaded in its current container.
  void ObservedAdapterView(const std::string& uid, std::vector<ReplicaInfo>& out) const;
  void CollectAdapterJobsLocked(SteadyTime now, std::vector<AdapterJob>& jobs);
  void ApplyAdapterJob(const AdapterJob& job);
  void DeleteIdlePools(SteadyTime now);

  const KubernetesRuntimeOptions options_;
  const KubeTemplates templates_;
  const std::unique_ptr<KubeTransport> api_;
  const Clock& clock_;
  const std::shared_ptr<EngineClient> engines_;
  std::unique_ptr<PodCache> cache_;

  mutable std::mutex mu_;
  std::map<std::string, KubeDeployment> deployments_;  // by uid; guarded by mu_
  std::map<std::string, Pool> pools_;                  // by base model; guarded by mu_
  std::map<std::string, std::string> attached_;        // deployment uid -> base; guarded by mu_
  std::vector<AdapterJob> unloads_;                    // to send next; guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
  MayActFn may_act_;       // set once by ShareWith; empty: always (one instance); guarded by mu_
  bool readopted_ = true;  // Readopt ran since this instance last could not act; by mu_
  std::condition_variable loader_cv_;  // wakes the loader (with mu_)
  std::mutex callback_mu_;
  ChangeCallback on_change_;                  // guarded by callback_mu_
  std::unique_ptr<ThreadPool> adapter_pool_;  // engine calls; emptied before destruction
  std::thread loader_;
};

}  // namespace berth
