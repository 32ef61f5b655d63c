// FakeKubeApi: an in-process fake of the apiserver semantics the Kubernetes runtime relies on,
// for unit tests (the integration suite runs the real control plane, so this cannot drift far):
// one namespace of Deployments and Pods, a global resourceVersion, server-side apply (201 then
// 200, 422 without fieldManager, unchanged objects keep their version), /scale, a ReplicaSet
// that makes or removes pods at once, garbage collection of a deleted Deployment's pods, POST
// (409 AlreadyExists) and PUT (409 Conflict on a stale resourceVersion), label-selector lists,
// and watches from a version with both forms of 410 after Compact(). Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "runtime/kubernetes/kube_transport.h"

namespace berth {

class FakeKubeApi : public KubeTransport {
 public:
  StatusOr<KubeResponse> Call(const KubeRequest& request) override;
  StatusOr<KubeResponse> Watch(const std::string& path, const LineHandler& on_line) override;
  void CancelWatches() override;

  // Test controls, playing the kubelet and scheduler and breaking things.
  // `restarts`: the container's restartCount (a restarted container is a new incarnation).
  void SetPodReady(const std::string& name, const std::string& ip, bool ready, int restarts = 0);
  void SetPodUnschedulable(const std::string& name, const std::string& message);
  // What GET .../pods/<name>/log answers (until set: 400, the container has not started).
  void SetPodLog(const std::string& name, const std::string& text);
  void SetPodWaiting(const std::string& name, const std::string& reason, const std::string& msg);
  // Deletes a pod behind berth's back (a node went away); the ReplicaSet replaces it.
  void RemovePod(const std::string& name);
  // Forgets the event history: a watch from an older version gets 410.
  void Compact();
  void DropWatches();  // ends every running watch stream as a broken connection would
  void EndWatches();   // ends every running watch stream normally (its timeoutSeconds passed)
  void HoldWatches(bool hold);  // while held, a new watch waits before it starts
  void Uncancel();  // undoes CancelWatches (a test reopening a runtime on the same fake)
  void SetUnreachable(bool unreachable);
  void SetForbidden(const std::string& verb_and_resource);  // e.g. "PATCH deployments"
  void RejectApplies(const std::string& message);           // 422 on every apply
  // Runs `hook` (once) when a DELETE of a Deployment arrives, before the fake handles it and
  // without its lock: what the caller does meanwhile happens while the delete is in flight.
  void BeforeNextDeploymentDelete(std::function<void()> hook) {
    std::lock_guard l(mu_);
    before_delete_ = std::move(hook);
  }
  // When true, an expired watch is refused with HTTP 410 instead of a 200 stream with ERROR.
  void ExpireAsHttp(bool http) {
    std::lock_guard l(mu_);
    expire_as_http_ = http;
  }

  std::vector<nlohmann::json> Pods() const;
  std::vector<nlohmann::json> Deployments() const;
  int Calls(const std::string& method_and_path_prefix) const;
  int64_t ResourceVersion() const;

 private:
  struct Event {
    int64_t rv;
    std::string line;
  };
  KubeResponse Handle(const KubeRequest& request);
  KubeResponse HandleDeployment(const KubeRequest& request, const std::string& name,
                                const std::string& sub);
  KubeResponse HandlePod(const KubeRequest& request, const std::string& name);
  KubeResponse PodLog(const std::string& name, const std::string& query) const;
  KubeResponse List(const std::map<std::string, nlohmann::json>& objects, const std::string& kind,
                    const std::string& query) const;
  void TouchLocked(nlohmann::json& object);
  void PodEventLocked(const std::string& type, const nlohmann::json& pod);
  void ReconcileReplicaSetLocked(const std::string& deployment);
  void DeletePodLocked(const std::string& name);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, nlohmann::json> deployments_;
  std::map<std::string, nlohmann::json> pods_;
  std::map<std::string, std::string> logs_;  // by pod name
  std::vector<Event> events_;
  std::vector<std::string> calls_;
  int64_t rv_ = 100;
  int64_t compacted_ = 0;
  int64_t next_pod_ = 1;
  uint64_t drop_generation_ = 0;
  uint64_t end_generation_ = 0;
  bool hold_ = false;
  bool cancelled_ = false;
  bool unreachable_ = false;
  bool expire_as_http_ = false;
  std::function<void()> before_delete_;
  std::string forbidden_;
  std::string reject_applies_;
};

}  // namespace berth
