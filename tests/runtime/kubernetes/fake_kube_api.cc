#include "fake_kube_api.h"

#include <chrono>
#include <utility>

namespace berth {
namespace {

using Json = nlohmann::json;

KubeResponse StatusBody(int code, const std::string& reason, const std::string& message) {
  Json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
            {"code", code},     {"reason", reason},   {"message", message}};
  return {code, s.dump()};
}

std::string QueryValue(const std::string& query, const std::string& key) {
  size_t at = ("&" + query).find("&" + key + "=");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 1;
  size_t end = query.find('&', start);
  std::string v = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

bool Matches(const Json& object, const std::string& selector) {
  if (selector.empty()) return true;
  size_t eq = selector.find('=');
  std::string key = selector.substr(0, eq), value = selector.substr(eq + 1);
  const Json labels = object.value("metadata", Json::object()).value("labels", Json::object());
  return labels.is_object() && labels.contains(key) && labels[key] == value;
}

}  // namespace

void FakeKubeApi::TouchLocked(Json& object) {
  object["metadata"]["resourceVersion"] = std::to_string(++rv_);
}

void FakeKubeApi::PodEventLocked(const std::string& type, const Json& pod) {
  events_.push_back({rv_, Json{{"type", type}, {"object", pod}}.dump()});
  cv_.notify_all();
}

void FakeKubeApi::ReconcileReplicaSetLocked(const std::string& name) {
  auto it = deployments_.find(name);
  int want = it == deployments_.end() ? 0 : it->second["spec"].value("replicas", 1);
  std::vector<std::string> live;
  for (auto& [pod_name, pod] : pods_) {
    if (pod["metadata"]["ownerDeployment"] == name &&
        !pod["metadata"].contains("deletionTimestamp"))
      live.push_back(pod_name);
  }
  // Like the ReplicaSet controller: remove not-ready pods first, newest first.
  std::stable_sort(live.begin(), live.end(), [this](const std::string& a, const std::string& b) {
    bool ra = pods_[a]["status"].value("ready", false),
         rb = pods_[b]["status"].value("ready", false);
    return ra != rb ? !ra : a > b;
  });
  for (size_t i = 0; static_cast<int>(live.size() - i) > want; ++i) DeletePodLocked(live[i]);
  for (int n = static_cast<int>(live.size()); n < want; ++n) {
    const Json& tmpl = it->second["spec"]["template"];
    char suffix[16];
    snprintf(suffix, sizeof suffix, "%05lld", static_cast<long long>(next_pod_++));
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", tmpl.value("metadata", Json::object())},
                {"spec", tmpl.value("spec", Json::object())},
                {"status", {{"phase", "Pending"}}}};
    pod["metadata"]["name"] = name + "-rs-" + suffix;
    pod["metadata"]["ownerDeployment"] = name;
    pod["metadata"]["creationTimestamp"] = "2026-11-29T20:00:" + std::string(suffix + 3) + "Z";
    TouchLocked(pod);
    pods_[pod["metadata"]["name"]] = pod;
    PodEventLocked("ADDED", pod);
  }
}

void FakeKubeApi::DeletePodLocked(const std::string& name) {
  auto it = pods_.find(name);
  if (it == pods_.end()) return;
  Json pod = it->second;
  pods_.erase(it);
  TouchLocked(pod);
  PodEventLocked("DELETED", pod);
}

StatusOr<KubeResponse> FakeKubeApi::Call(const KubeRequest& request) {
  std::function<void()> hook;
  if (request.method == "DELETE" && request.path.find("/deployments/") != std::string::npos) {
    std::lock_guard lock(mu_);
    hook = std::exchange(before_delete_, nullptr);
  }
  if (hook) hook();
  std::lock_guard lock(mu_);
  calls_.push_back(request.method + " " + request.path);
  if (unreachable_) return Unavailable("cannot connect to the fake apiserver");
  return Handle(request);
}

KubeResponse FakeKubeApi::Handle(const KubeRequest& request) {
  std::string path = request.path.substr(0, request.path.find('?'));
  std::string query = request.path.find('?') == std::string::npos
                          ? ""
                          : request.path.substr(request.path.find('?') + 1);
  const std::string apps = "/apis/apps/v1/namespaces/ns/deployments";
  const std::string core = "/api/v1/namespaces/ns/pods";
  std::string resource = path.rfind(apps, 0) == 0 ? "deployments"
                         : path.ends_with("/log") ? "pods/log"
                                                  : "pods";
  if (!forbidden_.empty() && forbidden_ == request.method + " " + resource) {
    return StatusBody(403, "Forbidden", "user \"berth\" cannot " + request.method + " " + resource);
  }
  if (path == apps && request.method == "GET") return List(deployments_, "DeploymentList", query);
  if (path == core && request.method == "GET") return List(pods_, "PodList", query);
  if (path.rfind(apps + "/", 0) == 0) {
    std::string rest = path.substr(apps.size() + 1);
    std::string name = rest.substr(0, rest.find('/'));
    std::string sub = rest.find('/') == std::string::npos ? "" : rest.substr(rest.find('/') + 1);
    return HandleDeployment(request, name, sub);
  }
  if (path == apps && request.method == "POST") {
    Json object = Json::parse(request.body);
    std::string name = object["metadata"]["name"];
    if (deployments_.count(name)) return StatusBody(409, "AlreadyExists", name + " already exists");
    TouchLocked(object);
    deployments_[name] = object;
    return {201, object.dump()};
  }
  if (path.rfind(core + "/", 0) == 0 && path.ends_with("/log")) {
    return PodLog(path.substr(core.size() + 1, path.size() - core.size() - 5), query);
  }
  if (path.rfind(core + "/", 0) == 0) return HandlePod(request, path.substr(core.size() + 1));
  return StatusBody(404, "NotFound", "the fake has no " + path);
}

KubeResponse FakeKubeApi::HandleDeployment(const KubeRequest& request, const std::string& name,
                                           const std::string& sub) {
  auto it = deployments_.find(name);
  if (sub == "scale") {
    if (it == deployments_.end()) return StatusBody(404, "NotFound", name + " not found");
    if (request.method == "PATCH" || request.method == "PUT") {
      it->second["spec"]["replicas"] = Json::parse(request.body)["spec"]["replicas"];
      TouchLocked(it->second);
      ReconcileReplicaSetLocked(name);
    }
    int replicas = it->second["spec"].value("replicas", 1);
    return {200, Json{{"kind", "Scale"},
                      {"apiVersion", "autoscaling/v1"},
                      {"spec", {{"replicas", replicas}}},
                      {"status", {{"replicas", replicas}}}}
                     .dump()};
  }
  if (request.method == "PATCH") {
    std::string query = request.path.substr(request.path.find('?') + 1);
    if (QueryValue(query, "fieldManager").empty()) {
      return StatusBody(422, "Invalid",
                        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value");
    }
    if (!reject_applies_.empty()) return StatusBody(422, "Invalid", reject_applies_);
    Json object = Json::parse(request.body);
    bool created = it == deployments_.end();
    if (!created) {
      Json merged = object;
      merged["metadata"]["resourceVersion"] = it->second["metadata"]["resourceVersion"];
      if (it->second["spec"].contains("replicas"))
        merged["spec"]["replicas"] = it->second["spec"]["replicas"];
      if (merged == it->second) return {200, it->second.dump()};  // unchanged: same version
      object = merged;
    } else if (!object["spec"].contains("replicas")) {
      object["spec"]["replicas"] = 1;  // the apiserver's default
    }
    TouchLocked(object);
    deployments_[name] = object;
    ReconcileReplicaSetLocked(name);
    return {created ? 201 : 200, object.dump()};
  }
  if (it == deployments_.end()) return StatusBody(404, "NotFound", name + " not found");
  if (request.method == "GET") return {200, it->second.dump()};
  if (request.method == "PUT") {
    Json object = Json::parse(request.body);
    if (object["metadata"]["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
      return StatusBody(409, "Conflict",
                        "the object has been modified; please apply your "
                        "changes to the latest version and try again");
    }
    TouchLocked(object);
    it->second = object;
    return {200, object.dump()};
  }
  if (request.method == "DELETE") {
    deployments_.erase(it);
    ReconcileReplicaSetLocked(name);  // garbage collection of its pods
    return {200, StatusBody(200, "", "deleted").body};
  }
  return StatusBody(405, "MethodNotAllowed", request.method);
}

KubeResponse FakeKubeApi::HandlePod(const KubeRequest& request, const std::string& name) {
  auto it = pods_.find(name);
  if (it == pods_.end()) return StatusBody(404, "NotFound", "pods \"" + name + "\" not found");
  if (request.method == "GET") return {200, it->second.dump()};
  if (request.method == "PATCH") {  // a JSON merge patch of the annotations: all berth sends
    if (request.content_type != "application/merge-patch+json") {
      return StatusBody(415, "UnsupportedMediaType", request.content_type);
    }
    Json& annotations = it->second["metadata"]["annotations"];
    const Json before = annotations;
    const Json patch = Json::parse(request.body);
    for (const auto& [key, value] : patch["metadata"]["annotations"].items()) {
      if (value.is_null()) {
        annotations.erase(key);
      } else {
        annotations[key] = value;
      }
    }
    if (annotations == before) return {200, it->second.dump()};  // no change: same version
    TouchLocked(it->second);
    PodEventLocked("MODIFIED", it->second);
    return {200, it->second.dump()};
  }
  if (request.method == "DELETE") {
    std::string owner = it->second["metadata"].value("ownerDeployment", "");
    DeletePodLocked(name);
    ReconcileReplicaSetLocked(owner);
    return {200, "{}"};
  }
  return StatusBody(405, "MethodNotAllowed", request.method);
}

// The kubelet's answer as the apiserver passes it on: the last tailLines lines, then at most
// limitBytes of them from their start; 400 before the container ran.
KubeResponse FakeKubeApi::PodLog(const std::string& name, const std::string& query) const {
  auto it = pods_.find(name);
  if (it == pods_.end()) return StatusBody(404, "NotFound", "pods \"" + name + "\" not found");
  auto log = logs_.find(name);
  if (log == logs_.end()) {
    return StatusBody(400, "BadRequest",
                      "container \"engine\" in pod \"" + name + "\" is waiting to start");
  }
  std::string tail_lines = QueryValue(query, "tailLines");
  std::string limit_bytes = QueryValue(query, "limitBytes");
  std::string text = log->second;
  size_t from = text.size();
  for (int64_t n = tail_lines.empty() ? -1 : std::stoll(tail_lines); n != 0 && from > 0; --n) {
    size_t newline = from >= 2 ? text.rfind('\n', from - 2) : std::string::npos;
    from = newline == std::string::npos ? 0 : newline + 1;
  }
  text.erase(0, from);
  if (!limit_bytes.empty()) text.resize(std::min(text.size(), size_t(std::stoull(limit_bytes))));
  return {200, text};
}

void FakeKubeApi::SetPodLog(const std::string& name, const std::string& text) {
  std::lock_guard lock(mu_);
  logs_[name] = text;
}

KubeResponse FakeKubeApi::List(const std::map<std::string, Json>& objects, const std::string& kind,
                               const std::string& query) const {
  Json items = Json::array();
  std::string selector = QueryValue(query, "labelSelector");
  for (const auto& [name, object] : objects) {
    if (Matches(object, selector)) items.push_back(object);
  }
  return {200, Json{{"kind", kind},
                    {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
                    {"items", items}}
                   .dump()};
}

StatusOr<KubeResponse> FakeKubeApi::Watch(const std::string& path, const LineHandler& on_line) {
  std::unique_lock lock(mu_);
  calls_.push_back("WATCH " + path);
  cv_.wait(lock, [this] { return !hold_ || cancelled_; });
  if (unreachable_) return Unavailable("cannot connect to the fake apiserver");
  std::string query = path.substr(path.find('?') + 1);
  int64_t from = std::stoll("0" + QueryValue(query, "resourceVersion"));
  std::string selector = QueryValue(query, "labelSelector");
  if (from < compacted_) {
    if (expire_as_http_) return StatusBody(410, "Expired", "too old resource version");
    Json error = {
        {"type", "ERROR"},
        {"object", Json::parse(StatusBody(410, "Expired", "too old resource version").body)}};
    std::string line = error.dump();
    lock.unlock();
    on_line(line);
    return KubeResponse{200, ""};
  }
  uint64_t generation = drop_generation_;
  uint64_t ending = end_generation_;
  size_t next = 0;
  while (true) {
    if (cancelled_ || unreachable_) return Unavailable("watch cancelled");
    if (drop_generation_ != generation) return Unavailable("watch stream broke");
    if (end_generation_ != ending) return KubeResponse{200, ""};
    while (next < events_.size() && events_[next].rv <= from) ++next;
    if (next < events_.size()) {
      Event e = events_[next++];
      from = e.rv;
      if (!Matches(Json::parse(e.line)["object"], selector)) continue;
      lock.unlock();
      bool more = on_line(e.line);
      lock.lock();
      if (!more) return KubeResponse{200, ""};
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

void FakeKubeApi::CancelWatches() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

void FakeKubeApi::SetPodReady(const std::string& name, const std::string& ip, bool ready,
                              int restarts) {
  std::lock_guard lock(mu_);
  Json& pod = pods_.at(name);
  pod["spec"]["nodeName"] = "node-1";
  pod["status"] = {
      {"phase", "Running"},
      {"podIP", ip},
      {"ready", ready},
      {"conditions", Json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
      {"containerStatuses", Json::array({{{"name", "engine"}, {"restartCount", restarts}}})}};
  TouchLocked(pod);
  PodEventLocked("MODIFIED", pod);
}

void FakeKubeApi::SetPodUnschedulable(const std::string& name, const std::string& message) {
  std::lock_guard lock(mu_);
  Json& pod = pods_.at(name);
  pod["status"] = {{"phase", "Pending"},
                   {"conditions", Json::array({{{"type", "PodScheduled"},
                                                {"status", "False"},
                                                {"reason", "Unschedulable"},
                                                {"message", message}}})}};
  TouchLocked(pod);
  PodEventLocked("MODIFIED", pod);
}

void FakeKubeApi::SetPodWaiting(const std::string& name, const std::string& reason,
                                const std::string& msg) {
  std::lock_guard lock(mu_);
  Json& pod = pods_.at(name);
  pod["spec"]["nodeName"] = "node-1";
  pod["status"] = {
      {"phase", "Pending"},
      {"containerStatuses",
       Json::array({{{"name", "engine"},
                     {"restartCount", 3},
                     {"state", {{"waiting", {{"reason", reason}, {"message", msg}}}}}}})}};
  TouchLocked(pod);
  PodEventLocked("MODIFIED", pod);
}

void FakeKubeApi::RemovePod(const std::string& name) {
  std::lock_guard lock(mu_);
  std::string owner = pods_.at(name)["metadata"].value("ownerDeployment", "");
  DeletePodLocked(name);
  ReconcileReplicaSetLocked(owner);
}

void FakeKubeApi::Compact() {
  std::lock_guard lock(mu_);
  compacted_ = rv_;
  events_.clear();
}

void FakeKubeApi::DropWatches() {
  std::lock_guard lock(mu_);
  ++drop_generation_;
  cv_.notify_all();
}

void FakeKubeApi::EndWatches() {
  std::lock_guard lock(mu_);
  ++end_generation_;
  cv_.notify_all();
}

void FakeKubeApi::HoldWatches(bool hold) {
  std::lock_guard lock(mu_);
  hold_ = hold;
  cv_.notify_all();
}

void FakeKubeApi::Uncancel() {
  std::lock_guard lock(mu_);
  cancelled_ = false;
}

void FakeKubeApi::SetUnreachable(bool unreachable) {
  std::lock_guard lock(mu_);
  unreachable_ = unreachable;
  cv_.notify_all();
}

void FakeKubeApi::SetForbidden(const std::string& what) {
  std::lock_guard lock(mu_);
  forbidden_ = what;
}

void FakeKubeApi::RejectApplies(const std::string& message) {
  std::lock_guard lock(mu_);
  reject_applies_ = message;
}

std::vector<Json> FakeKubeApi::Pods() const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [n, p] : pods_) out.push_back(p);
  return out;
}

std::vector<Json> FakeKubeApi::Deployments() const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [n, d] : deployments_) out.push_back(d);
  return out;
}

int FakeKubeApi::Calls(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const std::string& c : calls_) n += c.rfind(prefix, 0) == 0;
  return n;
}

int64_t FakeKubeApi::ResourceVersion() const {
  std::lock_guard lock(mu_);
  return rv_;
}

}  // namespace berth
