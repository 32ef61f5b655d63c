// PodCache: berth's view of its pods in one namespace, kept by list-then-watch (with
// bookmarks). A watch that expires (HTTP 410, or a 200 stream whose ERROR event says 410),
// fails or drops is followed by a fresh list that replaces the cache, so a pod deleted while
// berth was not watching disappears too. Owns one watch thread; the accessors may be called
// from any thread. The change callback runs on the watch thread without the cache's lock.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "runtime/kubernetes/kube_objects.h"
#include "runtime/kubernetes/kube_transport.h"

namespace berth {

struct PodCacheOptions {
  std::string kube_namespace;
  std::string label_selector;  // e.g. app.kubernetes.io/managed-by=berth
  int watch_timeout_seconds = 240;
  Millis retry_base{500};
  Millis retry_max{10000};
};

class PodCache {
 public:
  // Called with the deployed_model of each pod that changed (or was dropped by a re-list).
  using OnChange = std::function<void(const std::string& deployed_model)>;

  PodCache(KubeTransport& api, PodCacheOptions options, const Clock& clock, OnChange on_change);
  ~PodCache();  // stops the watch thread

  // Lists once (the first sync), then starts the watch thread. Fails as the list does
  // (PermissionDenied naming the verb, Unavailable when unreachable).
  Status Start();
  void Stop();

  // Pods of one incarnation (by uid label), and all; oldest first. Pods() and ServingAdapter()
  // read an index: their cost follows the pods they return, not all the pods there are.
  std::vector<PodView> Pods(const std::string& uid) const;
  std::vector<PodView> All() const;
  // Pool pods whose annotations record the adapter (by its uid label) as loaded; oldest first.
  std::vector<PodView> ServingAdapter(const std::string& adapter_uid) const;
  // True once a pod of this name was ever seen Ready (crash loops after that are restarts).
  bool EverReady(const std::string& name) const;
  // When the pod was first seen unschedulable (monotonic); nullopt when it is not.
  std::optional<SteadyTime> UnschedulableSince(const std::string& name) const;
  // Lists and watches that happened (for tests and logs).
  int Relists() const;

 private:
  // One list: replaces the cache and reports what changed. Sets resource_version_.
  Status List();
  // One watch from resource_version_; returns true when a re-list is needed.
  bool WatchOnce();
  // Applies one watch event line; false (with `relist` set) when the stream cannot go on.
  // Throws nlohmann's exceptions on a malformed event (WatchOnce catches them).
  bool OnEvent(std::string_view line, bool& relist);
  void Loop();
  // Applies one pod under mu_, noting the deployed model in `changed`.
  void PutLocked(const PodView& pod, std::set<std::string>& changed);
  void EraseLocked(const std::string& name);
  // Removes `pod` (as stored) from by_uid_ and by_adapter_.
  void UnindexLocked(const PodView& pod);
  // Pod names by a key (a uid label, an adapter uid label).
  using Index = std::map<std::string, std::set<std::string>>;
  // Copies of the pods `index` lists under `key`, oldest first. Takes mu_.
  std::vector<PodView> Lookup(const Index& index, const std::string& key) const;
  void Report(const std::set<std::string>& changed);

  KubeTransport& api_;
  const PodCacheOptions options_;
  const Clock& clock_;
  const OnChange on_change_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, PodView> pods_;  // by name; guarded by mu_
  // Indexes of pods_ (pod names): by uid label, and by the adapters a pool pod records.
  Index by_uid_;                                     // guarded by mu_
  Index by_adapter_;                                 // guarded by mu_
  std::set<std::string> ever_ready_;                 // guarded by mu_
  std::map<std::string, SteadyTime> unschedulable_;  // guarded by mu_
  std::string resource_version_;                     // guarded by mu_
  int relists_ = 0;                                  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  std::thread thread_;
};

}  // namespace berth
