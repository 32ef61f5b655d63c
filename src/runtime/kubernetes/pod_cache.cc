#include "runtime/kubernetes/pod_cache.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"

namespace berth {
namespace {

using Json = nlohmann::json;

std::string Escape(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

bool OlderFirst(const PodView& a, const PodView& b) {
  return a.created != b.created ? a.created < b.created : a.name < b.name;
}

}  // namespace

PodCache::PodCache(KubeTransport& api, PodCacheOptions options, const Clock& clock,
                   OnChange on_change)
    : api_(api), options_(std::move(options)), clock_(clock), on_change_(std::move(on_change)) {}

PodCache::~PodCache() { Stop(); }

Status PodCache::Start() {
  RETURN_IF_ERROR(List());
  thread_ = std::thread([this] {
    NameThisThread("berth-kube-pods");
    Loop();
  });
  return Status::Ok();
}

void PodCache::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  api_.CancelWatches();
  if (thread_.joinable()) thread_.join();
}

Status PodCache::List() {
  std::string path = "/api/v1/namespaces/" + options_.kube_namespace +
                     "/pods?labelSelector=" + Escape(options_.label_selector);
  ASSIGN_OR_RETURN(KubeResponse r, api_.Call({"GET", path, "", ""}));
  if (r.status != 200) return KubeError(r, "list", "pods");
  Json list = Json::parse(r.body, nullptr, false);
  if (!list.is_object() || !list["items"].is_array()) return Internal("kubernetes: bad PodList");
  std::set<std::string> changed;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, PodView> old = std::move(pods_);
    pods_.clear();
    by_uid_.clear();
    by_adapter_.clear();
    for (const Json& item : list["items"]) PutLocked(ReadPod(item), changed);
    for (const auto& [name, pod] : old) {
      auto now = pods_.find(name);
      if (now == pods_.end() || now->second.resource_version != pod.resource_version) {
        changed.insert(pod.deployed_model);
      }
      if (now == pods_.end()) unschedulable_.erase(name);
    }
    const Json& meta = list["metadata"];
    resource_version_ = meta.is_object() ? meta.value("resourceVersion", "") : "";
    ++relists_;
  }
  Report(changed);
  return Status::Ok();
}

void PodCache::PutLocked(const PodView& pod, std::set<std::string>& changed) {
  auto it = pods_.find(pod.name);
  if (it == pods_.end() || it->second.resource_version != pod.resource_version) {
    changed.insert(pod.deployed_model);
  }
  if (pod.ready) ever_ready_.insert(pod.name);
  if (!pod.unschedulable)
    unschedulable_.erase(pod.name);
  else if (!unschedulable_.count(pod.name))
    unschedulable_[pod.name] = clock_.MonotonicNow();
  if (it != pods_.end()) UnindexLocked(it->second);
  const PodView& stored = pods_[pod.name] = pod;
  by_uid_[stored.uid_label].insert(stored.name);
  for (const auto& [adapter_uid, loaded] : stored.adapters)
    by_adapter_[adapter_uid].insert(stored.name);
}

void PodCache::EraseLocked(const std::string& name) {
  auto it = pods_.find(name);
  if (it == pods_.end()) return;
  UnindexLocked(it->second);
  pods_.erase(it);
}

void PodCache::UnindexLocked(const PodView& pod) {
  auto drop = [&](Index& index, const std::string& key) {
    auto entry = index.find(key);
    if (entry == index.end()) return;
    entry->second.erase(pod.name);
    if (entry->second.empty()) index.erase(entry);
  };
  drop(by_uid_, pod.uid_label);
  for (const auto& [adapter_uid, loaded] : pod.adapters) drop(by_adapter_, adapter_uid);
}

std::vector<PodView> PodCache::Lookup(const Index& index, const std::string& key) const {
  std::vector<PodView> out;
  {
    std::lock_guard lock(mu_);
    auto names = index.find(key);
    if (names == index.end()) return out;
    out.reserve(names->second.size());
    for (const std::string& name : names->second) out.push_back(pods_.at(name));
  }
  std::sort(out.begin(), out.end(), OlderFirst);
  return out;
}

void PodCache::Report(const std::set<std::string>& changed) {
  if (!on_change_) return;
  for (const std::string& model : changed) {
    if (!model.empty()) on_change_(model);
  }
}

bool PodCache::OnEvent(std::string_view line, bool& relist) {
  Json event = Json::parse(line, nullptr, false);
  std::string type = event.is_object() ? event.value("type", "") : "";
  Json object = event.is_object() ? event["object"] : Json();
  if (type == "ERROR" || !object.is_object()) {
    // 410 Expired, or anything the stream cannot go on from.
    LOG_INFO("pod watch ended with {}: re-listing", std::string(line.substr(0, 200)));
    relist = true;
    return false;
  }
  std::set<std::string> changed;
  {
    std::lock_guard lock(mu_);
    std::string version = object["metadata"].value("resourceVersion", "");
    if (!version.empty()) resource_version_ = version;
    if (type == "ADDED" || type == "MODIFIED") {
      PutLocked(ReadPod(object), changed);
    } else if (type == "DELETED") {
      PodView pod = ReadPod(object);
      EraseLocked(pod.name);
      unschedulable_.erase(pod.name);
      changed.insert(pod.deployed_model);
    }
  }
  Report(changed);
  return true;
}

bool PodCache::WatchOnce() {
  std::string rv;
  {
    std::lock_guard lock(mu_);
    rv = resource_version_;
  }
  std::string path = "/api/v1/namespaces/" + options_.kube_namespace +
                     "/pods?labelSelector=" + Escape(options_.label_selector) +
                     "&watch=1&allowWatchBookmarks=true&resourceVersion=" + Escape(rv) +
                     "&timeoutSeconds=" + std::to_string(options_.watch_timeout_seconds);
  bool relist = false;
  StatusOr<KubeResponse> r = api_.Watch(path, [&](std::string_view line) {
    try {
      return OnEvent(line, relist);
    } catch (const Json::exception& e) {  // a malformed event: start over from a list
      LOG_WARN("pod watch: bad event ({}): re-listing", e.what());
      relist = true;
      return false;
    }
  });
  if (!r.ok()) {
    LOG_WARN("pod watch: {}", r.status().ToString());
    return true;
  }
  // A 410 (or 504 "too large resource version") answered as HTTP: list again.
  if (r->status != 200) {
    LOG_INFO("pod watch answered HTTP {}: re-listing", r->status);
    return true;
  }
  return relist;
}

// A failed list, or a watch that needs a re-list right after one, waits with backoff: an
// apiserver that keeps refusing is not hammered.
void PodCache::Loop() {
  int failures = 0;
  bool relist = false;
  while (true) {
    if (failures > 0) {
      Millis wait =
          std::min(options_.retry_max, options_.retry_base * (1 << std::min(failures - 1, 10)));
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, wait, [this] { return stopping_; });
    }
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    if (relist) {
      Status listed = List();
      if (!listed.ok()) {
        ++failures;
        LOG_WARN("pod list failed (try {}), keeping the last known pods: {}", failures,
                 listed.ToString());
        continue;
      }
    }
    bool listed_just_now = relist;
    relist = WatchOnce();
    failures = relist && listed_just_now ? failures + 1 : 0;
  }
}

std::vector<PodView> PodCache::Pods(const std::string& uid) const { return Lookup(by_uid_, uid); }

std::vector<PodView> PodCache::ServingAdapter(const std::string& adapter_uid) const {
  return Lookup(by_adapter_, adapter_uid);
}

std::vector<PodView> PodCache::All() const {
  std::vector<PodView> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, pod] : pods_) out.push_back(pod);
  }
  std::sort(out.begin(), out.end(), OlderFirst);
  return out;
}

bool PodCache::EverReady(const std::string& name) const {
  std::lock_guard lock(mu_);
  return ever_ready_.count(name) > 0;
}

std::optional<SteadyTime> PodCache::UnschedulableSince(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = unschedulable_.find(name);
  if (it == unschedulable_.end()) return std::nullopt;
  return it->second;
}

int PodCache::Relists() const {
  std::lock_guard lock(mu_);
  return relists_;
}

}  // namespace berth
