// KubernetesRuntime: each deployment incarnation is one apps/v1 Deployment in one namespace,
// written by server-side apply (field manager "berth") without `replicas`, and scaled only
// through its /scale subresource; its replicas are the Deployment's pods as a PodCache sees
// them (docs/kubernetes.md). A replica the cluster has yet to create shows as a starting
// placeholder, so the reconciler always sees as many replicas as it asked for.
//
// Threads: the RuntimeAdapter methods may be called from any thread (reconcile workers, one
// per deployment at a time); they call the apiserver without holding the runtime's lock. The
// pod cache's watch thread calls the change callback.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "runtime/kubernetes/pod_cache.h"
#include "runtime/kubernetes/pod_template.h"
#include "runtime/runtime_adapter.h"

namespace berth {

struct KubernetesRuntimeOptions {
  std::string kube_namespace = "default";
  Millis placement_timeout{600000};  // unschedulable this long: the replica has failed
  PodCacheOptions cache;             // namespace and selector are filled in by Open
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
  Status AttachAdapter(const ReplicaSpec& spec) override;
  Status DetachAdapter(const std::string& deployment_uid) override;
  void OnReplicaChange(ChangeCallback callback) override;

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
  Status Adopt();
  std::string DeploymentPath(const std::string& name) const;
  Status Apply(const ReplicaSpec& spec, KubeDeployment& d);
  Status Scale(const std::string& name, int replicas);
  Status DeleteDeployment(const std::string& name);
  Status DeletePod(const std::string& name);
  // The replicas of one Deployment as the reconciler sees them (see the class comment);
  // `waiting` gets the scheduler's message for pods still waiting for room.
  std::vector<ReplicaInfo> View(const KubeDeployment& d, std::string* waiting) const;
  ReplicaInfo FromPod(const KubeDeployment& d, const PodView& pod) const;
  void Changed(const std::string& deployed_model);

  const KubernetesRuntimeOptions options_;
  const KubeTemplates templates_;
  const std::unique_ptr<KubeTransport> api_;
  const Clock& clock_;
  std::unique_ptr<PodCache> cache_;

  mutable std::mutex mu_;
  std::map<std::string, KubeDeployment> deployments_;  // by uid; guarded by mu_
  std::map<std::string, ReplicaInfo> lora_refused_;    // by uid; guarded by mu_
  std::mutex callback_mu_;
  ChangeCallback on_change_;  // guarded by callback_mu_
};

}  // namespace berth
