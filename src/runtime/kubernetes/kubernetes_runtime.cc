#include "runtime/kubernetes/kubernetes_runtime.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"

namespace berth {
namespace {

using Json = nlohmann::json;

constexpr const char* kUidAnnotation = "berth.dev/deployment-uid";
constexpr const char* kPending = "-pending-";
constexpr const char* kRefused = "-refused";

std::string Str(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

std::optional<SystemTime> ParseTime(const std::string& text) {
  std::tm tm{};
  if (text.empty() || strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

StatusOr<std::unique_ptr<KubernetesRuntime>> KubernetesRuntime::Open(
    KubernetesRuntimeOptions options, KubeTemplates templates, std::unique_ptr<KubeTransport> api,
    const Clock& clock) {
  options.cache.kube_namespace = options.kube_namespace;
  options.cache.label_selector = std::string(kManagedByLabel) + "=berth";
  std::unique_ptr<KubernetesRuntime> runtime(
      new KubernetesRuntime(std::move(options), std::move(templates), std::move(api), clock));
  RETURN_IF_ERROR(runtime->Adopt(/*relearn=*/false));
  RETURN_IF_ERROR(runtime->cache_->Start());
  KubernetesRuntime* r = runtime.get();
  runtime->loader_ = std::thread([r] {
    NameThisThread("berth-kube-load");
    r->LoaderLoop();
  });
  return runtime;
}

KubernetesRuntime::KubernetesRuntime(KubernetesRuntimeOptions options, KubeTemplates templates,
                                     std::unique_ptr<KubeTransport> api, const Clock& clock)
    : options_(std::move(options)),
      templates_(std::move(templates)),
      api_(std::move(api)),
      clock_(clock),
      engines_(options_.engine_client ? options_.engine_client : MakeHttpEngineClient()) {
  cache_ = std::make_unique<PodCache>(*api_, options_.cache, clock_,
                                      [this](const std::string& model) { Changed(model); });
  adapter_pool_ = std::make_unique<ThreadPool>("berth-adapters", 2);
}

KubernetesRuntime::~KubernetesRuntime() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  loader_cv_.notify_all();
  if (loader_.joinable()) loader_.join();
  adapter_pool_.reset();  // its tasks use this runtime
  cache_->Stop();
}

std::string KubernetesRuntime::DeploymentPath(const std::string& name) const {
  return "/apis/apps/v1/namespaces/" + options_.kube_namespace + "/deployments" +
         (name.empty() ? "" : "/" + name);
}

// Every Deployment berth made is adopted with its scale; one scaled to 0 is a stopped one
// whose deletion was cut short, so it is finished. Relearning, what is gone from the cluster is
// forgotten (a Deployment the apiserver refused has no object, and is kept), and a pool that is
// gone but still has adapters is applied again by the next AttachAdapter.
Status KubernetesRuntime::Adopt(bool relearn) {
  std::string path = DeploymentPath("") + "?labelSelector=" + kManagedByLabel + "%3Dberth";
  std::set<std::string> seen;  // the Deployments' names
  ASSIGN_OR_RETURN(KubeResponse r, api_->Call({"GET", path, "", ""}));
  if (r.status != 200) return KubeError(r, "list", "deployments.apps");
  Json list = Json::parse(r.body, nullptr, false);
  if (!list.is_object() || !list["items"].is_array()) return Internal("kubernetes: bad list");
  for (Json item : list["items"]) {  // a copy: [] on a missing key is null, not UB
    Json& meta = item["metadata"];
    KubeDeployment d;
    d.name = Str(meta, "name");
    d.uid = Str(meta["annotations"], kUidAnnotation);
    d.deployed_model = Str(meta["annotations"], kModelAnnotation);
    d.replicas =
        item["spec"]["replicas"].is_number_integer() ? item["spec"]["replicas"].get<int>() : 0;
    std::string units = Str(meta["annotations"], "berth.dev/units");
    d.units = units.empty() ? 1 : std::max(1, atoi(units.c_str()));
    Json& ports = item["spec"]["template"]["spec"]["containers"][0]["ports"];
    if (ports.is_array() && !ports.empty() && ports[0].is_object()) {
      d.port = ports[0].value("containerPort", 8000);
    }
    if (AdoptPool(item, d, !relearn)) {
      seen.insert(d.name);
      continue;
    }
    if (d.uid.empty() || d.replicas == 0) {
      RETURN_IF_ERROR(DeleteDeployment(d.name));
      continue;
    }
    seen.insert(d.name);
    if (!relearn) {
      LOG_INFO("kubernetes: adopted Deployment {} ({} replicas) of {}", d.name, d.replicas,
               d.deployed_model);
    }
    std::lock_guard lock(mu_);
    deployments_[d.uid] = d;
  }
  if (relearn) ForgetUnseen(seen);
  return Status::Ok();
}

void KubernetesRuntime::ForgetUnseen(const std::set<std::string>& seen) {
  std::lock_guard lock(mu_);
  std::erase_if(deployments_, [&](const auto& e) {
    return e.second.refused.empty() && !seen.count(e.second.name);
  });
  for (auto it = pools_.begin(); it != pools_.end();) {
    Pool& pool = it->second;
    bool gone = pool.d.refused.empty() && !seen.count(pool.d.name);
    if (gone) pool.d.replicas = 0;  // AttachAdapter applies it again
    it = gone && pool.adapters.empty() ? pools_.erase(it) : std::next(it);
  }
  readopted_ = true;
  LOG_INFO("kubernetes: relearned {} Deployments and {} lora pools", deployments_.size(),
           pools_.size());
}

Status KubernetesRuntime::Readopt() { return Adopt(/*relearn=*/true); }

void KubernetesRuntime::ShareWith(MayActFn may_act) {
  std::lock_guard lock(mu_);
  may_act_ = std::move(may_act);
  readopted_ = false;
}

bool KubernetesRuntime::ActsRelearned() {
  bool acting = MayAct();
  std::lock_guard lock(mu_);
  if (!acting) readopted_ = false;
  return acting && readopted_;
}

bool KubernetesRuntime::MayAct() const {
  MayActFn may_act;
  {
    std::lock_guard lock(mu_);
    may_act = may_act_;
  }
  return !may_act || may_act();
}

Status KubernetesRuntime::Apply(const ReplicaSpec& spec, const KubePodTemplate& t,
                                KubeDeployment& d, bool pool) {
  StatusOr<Json> object = RenderDeployment(spec, t, options_.kube_namespace);
  if (!object.ok()) {
    d.refused = "engine template " + t.match + ": " + object.status().message();
    return Status::Ok();
  }
  if (pool) MarkPoolObject(*object, spec.base_model);
  (*object)["metadata"]["name"] = d.name;
  (*object)["metadata"]["annotations"][kUidAnnotation] = spec.deployment_uid;
  d.port = t.port;
  std::string path = DeploymentPath(d.name) + "?fieldManager=" + kFieldManager + "&force=true";
  ASSIGN_OR_RETURN(KubeResponse r,
                   api_->Call({"PATCH", path, "application/apply-patch+yaml", object->dump()}));
  if (r.status == 200 || r.status == 201) return Status::Ok();
  Status error = KubeError(r, "patch", "deployments.apps");
  // An object the apiserver refuses fails the deployment with its message; anything else
  // (unreachable, RBAC, overloaded) is an error the reconciler retries.
  if (error.code() == StatusCode::kInvalidArgument) {
    d.refused = error.message();
    return Status::Ok();
  }
  return error;
}

Status KubernetesRuntime::Scale(const std::string& name, int replicas) {
  std::string path = DeploymentPath(name) + "/scale?fieldManager=" + kFieldManager;
  Json body = {{"spec", {{"replicas", replicas}}}};
  ASSIGN_OR_RETURN(KubeResponse r,
                   api_->Call({"PATCH", path, "application/merge-patch+json", body.dump()}));
  if (r.status == 200) return Status::Ok();
  return KubeError(r, "patch", "deployments.apps/scale");
}

Status KubernetesRuntime::DeleteDeployment(const std::string& name) {
  Json options = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  ASSIGN_OR_RETURN(KubeResponse r, api_->Call({"DELETE", DeploymentPath(name), "application/json",
                                               options.dump()}));
  if (r.status == 200 || r.status == 202 || r.status == 404) return Status::Ok();
  return KubeError(r, "delete", "deployments.apps");
}

Status KubernetesRuntime::DeletePod(const std::string& name) {
  std::string path = "/api/v1/namespaces/" + options_.kube_namespace + "/pods/" + name;
  ASSIGN_OR_RETURN(KubeResponse r, api_->Call({"DELETE", path, "application/json", ""}));
  if (r.status == 200 || r.status == 202 || r.status == 404) return Status::Ok();
  return KubeError(r, "delete", "pods");
}

StatusOr<ReplicaInfo> KubernetesRuntime::StartReplica(const ReplicaSpec& spec) {
  if (spec.plan == Plan::kLora) return InvalidArgument("lora replicas start with AttachAdapter");
  KubeDeployment d;
  bool create = false;
  {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(spec.deployment_uid);
    create = it == deployments_.end();
    if (!create) d = it->second;
  }
  if (!create && !d.refused.empty()) return Unavailable(d.refused);
  std::string waiting;
  if (!create) {
    std::vector<ReplicaInfo> view = View(d, &waiting);
    if (!waiting.empty()) return Unavailable(waiting);
  }
  if (create) {
    d.name = KubeObjectName(spec.deployed_model, spec.deployment_uid);
    d.uid = spec.deployment_uid;
    d.deployed_model = spec.deployed_model;
    d.units = spec.units;
    RETURN_IF_ERROR(
        Apply(spec, templates_.Resolve(spec.model_name, spec.base_model), d, /*pool=*/false));
  }
  ReplicaInfo info;
  info.deployment_uid = spec.deployment_uid;
  info.units = spec.units;
  info.started = clock_.Now();
  if (!d.refused.empty()) {
    info.replica_id = d.name + kRefused;
    info.state = ReplicaState::kFailed;
    info.last_error = d.refused;
  } else {
    RETURN_IF_ERROR(Scale(d.name, d.replicas + 1));
    ++d.replicas;
    info.replica_id = d.name + kPending + std::to_string(d.replicas);
    info.port = d.port;
  }
  std::lock_guard lock(mu_);
  deployments_[spec.deployment_uid] = d;
  return info;
}

Status KubernetesRuntime::StopReplica(const std::string& replica_id) {
  KubeDeployment d;
  bool pod = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, dep] : deployments_) {
      if (replica_id.rfind(dep.name + "-", 0) == 0) d = dep;
    }
  }
  for (const PodView& p : cache_->All()) {
    if (p.name != replica_id) continue;
    pod = true;
    std::lock_guard lock(mu_);
    auto it = std::find_if(deployments_.begin(), deployments_.end(),
                           [&](const auto& e) { return LabelValue(e.first) == p.uid_label; });
    if (it != deployments_.end()) d = it->second;
  }
  if (pod) RETURN_IF_ERROR(DeletePod(replica_id));
  if (d.name.empty()) return Status::Ok();  // a pod of no Deployment berth knows: gone now
  int replicas = replica_id == d.name + kRefused ? 0 : std::max(0, d.replicas - 1);
  if (replicas == 0) {
    RETURN_IF_ERROR(DeleteDeployment(d.name));
  } else {
    RETURN_IF_ERROR(Scale(d.name, replicas));
  }
  std::lock_guard lock(mu_);
  if (replicas == 0) {
    deployments_.erase(d.uid);
  } else {
    deployments_[d.uid].replicas = replicas;
  }
  return Status::Ok();
}

ReplicaInfo KubernetesRuntime::FromPod(const KubeDeployment& d, const PodView& pod) const {
  ReplicaInfo r;
  r.replica_id = pod.name;
  r.deployment_uid = d.uid;
  r.units = d.units;
  r.port = d.port;
  r.host = pod.ip;
  r.node = pod.node;
  r.phase = pod.phase;
  r.restarts = pod.restarts;
  r.started = ParseTime(pod.created).value_or(SystemTime{});
  r.last_error = pod.last_error;
  bool fatal = IsFatalWaiting(pod.waiting_reason) && !cache_->EverReady(pod.name);
  if (fatal) {
    r.state = ReplicaState::kFailed;
    r.last_error =
        pod.waiting_reason + (pod.waiting_message.empty() ? "" : ": " + pod.waiting_message);
  } else if (pod.ready && !pod.ip.empty()) {
    r.state = ReplicaState::kReady;
  } else if (!pod.waiting_reason.empty()) {
    r.last_error =
        pod.waiting_reason + (pod.waiting_message.empty() ? "" : ": " + pod.waiting_message);
  }
  return r;
}

std::vector<ReplicaInfo> KubernetesRuntime::View(const KubeDeployment& d,
                                                 std::string* waiting) const {
  std::vector<ReplicaInfo> out;
  if (!d.refused.empty()) {
    ReplicaInfo r;
    r.replica_id = d.name + kRefused;
    r.deployment_uid = d.uid;
    r.state = ReplicaState::kFailed;
    r.last_error = d.refused;
    return {r};
  }
  int waiting_pods = 0;
  SteadyTime now = clock_.MonotonicNow();
  for (const PodView& pod : cache_->Pods(LabelValue(d.uid))) {
    if (pod.terminating) continue;
    std::optional<SteadyTime> since = cache_->UnschedulableSince(pod.name);
    if (pod.unschedulable && since && now - *since < options_.placement_timeout) {
      ++waiting_pods;
      if (waiting && waiting->empty()) *waiting = "no room in the cluster: " + pod.schedule_message;
      continue;
    }
    ReplicaInfo r = FromPod(d, pod);
    if (pod.unschedulable) {
      r.state = ReplicaState::kFailed;
      r.last_error = "no room in the cluster for " +
                     std::to_string(options_.placement_timeout.count() / 1000) +
                     " s: " + pod.schedule_message;
    }
    out.push_back(r);
  }
  // More pods than asked for (a scale-down the ReplicaSet has not acted on yet): keep ready ones.
  std::stable_sort(out.begin(), out.end(), [](const ReplicaInfo& a, const ReplicaInfo& b) {
    return (a.state == ReplicaState::kReady) > (b.state == ReplicaState::kReady);
  });
  if (static_cast<int>(out.size()) > d.replicas) out.resize(std::max(0, d.replicas));
  std::stable_sort(out.begin(), out.end(), [](const ReplicaInfo& a, const ReplicaInfo& b) {
    return a.started < b.started;
  });
  for (int i = static_cast<int>(out.size()) + waiting_pods; i < d.replicas; ++i) {
    ReplicaInfo r;
    r.replica_id = d.name + kPending + std::to_string(i + 1);
    r.deployment_uid = d.uid;
    r.units = d.units;
    r.port = d.port;
    r.phase = "Pending";
    out.push_back(r);
  }
  return out;
}

std::vector<ReplicaInfo> KubernetesRuntime::ObservedView(const std::string& uid) const {
  std::vector<ReplicaInfo> out;
  for (const PodView& pod : cache_->Pods(LabelValue(uid))) {
    if (pod.terminating) continue;
    KubeDeployment d;
    d.uid = uid;
    d.units = pod.units;
    d.port = pod.port;
    out.push_back(FromPod(d, pod));
  }
  // A lora deployment: its pool's pods. Either way the cache hands them oldest first.
  if (out.empty()) ObservedAdapterView(uid, out);
  return out;
}

StatusOr<std::vector<ReplicaInfo>> KubernetesRuntime::ListReplicas(const std::string& uid) {
  if (!MayAct()) return ObservedView(uid);
  std::lock_guard lock(mu_);
  if (attached_.count(uid)) {
    std::vector<ReplicaInfo> out;
    ListPoolViewsLocked(&uid, out);
    return out;
  }
  auto it = deployments_.find(uid);
  if (it == deployments_.end()) return std::vector<ReplicaInfo>{};
  return View(it->second, nullptr);
}

StatusOr<std::vector<ReplicaInfo>> KubernetesRuntime::ListAllReplicas() {
  std::vector<ReplicaInfo> out;
  std::set<std::string> known;
  std::lock_guard lock(mu_);
  ListPoolViewsLocked(nullptr, out);
  for (const auto& [base, pool] : pools_) known.insert(LabelValue(pool.d.uid));
  for (const auto& [uid, d] : deployments_) {
    known.insert(LabelValue(uid));
    for (ReplicaInfo& r : View(d, nullptr)) out.push_back(std::move(r));
  }
  // Pods of no Deployment berth knows (left from an older incarnation): orphans.
  for (const PodView& pod : cache_->All()) {
    if (known.count(pod.uid_label) || pod.terminating) continue;
    KubeDeployment none;
    none.uid = pod.uid_label;
    out.push_back(FromPod(none, pod));
  }
  return out;
}

void KubernetesRuntime::OnReplicaChange(ChangeCallback callback) {
  std::lock_guard lock(callback_mu_);
  on_change_ = std::move(callback);
}

void KubernetesRuntime::Changed(const std::string& deployed_model) {
  std::vector<std::string> models = PoolAdapterModels(deployed_model);
  if (deployed_model.starts_with(kPoolModelPrefix)) {
    loader_cv_.notify_all();  // a pool pod changed: it may lack an adapter now
  } else {
    models.push_back(deployed_model);
  }
  std::lock_guard lock(callback_mu_);
  for (const std::string& model : models) {
    if (on_change_) on_change_(model);
  }
}

}  // namespace berth
