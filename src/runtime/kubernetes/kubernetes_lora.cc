// The shared lora pools of KubernetesRuntime: one Deployment of base-model pods per base model,
// applied with its first adapter and deleted after its last; the loader thread loads every
// attached adapter into every ready pool pod through the engine's API, again into pods that
// come later or restart (docs/kubernetes.md, "lora").
#include <algorithm>
#include <mutex>
#include <utility>

#include "common/log.h"
#include "common/sha256.h"
#include "runtime/kubernetes/kubernetes_runtime.h"
#include "runtime/lora_pool_view.h"

namespace berth {
namespace {

using Json = nlohmann::json;

std::string Str(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

ReplicaSpec PoolSpec(const std::string& base_model) {
  ReplicaSpec spec;
  spec.deployment_uid = "lora-pool-" + Sha256Hex(base_model).substr(0, 16);
  spec.deployed_model = base_model;  // the name the engine serves the base model under
  spec.model_name = base_model;
  spec.base_model = base_model;
  spec.plan = Plan::kLora;
  spec.units = 1;
  return spec;
}

// A pod's container restarting loses what was loaded into it: each restart is a new incarnation.
std::string PodIncarnation(const std::string& pod, int restarts) {
  return pod + "#" + std::to_string(restarts);
}

}  // namespace

bool KubernetesRuntime::AdoptPool(const Json& item, KubeDeployment d, bool log) {
  const Json& meta = item["metadata"];
  if (Str(meta.value("labels", Json::object()), kPoolLabel) != "true") return false;
  std::string base = Str(meta.value("annotations", Json::object()), kPoolBaseAnnotation);
  if (base.empty()) return false;
  d.deployed_model = base;
  if (log) {
    LOG_INFO("kubernetes: adopted the lora pool Deployment {} ({} pods) of {}", d.name, d.replicas,
             base);
  }
  std::lock_guard lock(mu_);
  Pool& pool = pools_[base];
  pool.d = d;
  pool.kind = templates_.Resolve(base, base).kind;
  pool.idle_since = clock_.MonotonicNow();
  return true;
}

Status KubernetesRuntime::AttachAdapter(const ReplicaSpec& spec) {
  const KubePodTemplate& t = templates_.Resolve(spec.base_model, spec.base_model);
  RETURN_IF_ERROR(CheckKubeLora(t, spec.base_model));
  TemplateValues values;
  values.model_name = spec.model_name;
  values.served_model_name = spec.deployed_model;
  ASSIGN_OR_RETURN(std::string path, ExpandTemplate(t.lora_pool.lora_path, values));
  bool current = false;
  KubeDeployment d;
  {
    std::lock_guard lock(mu_);
    auto it = pools_.find(spec.base_model);
    if (it != pools_.end() && it->second.deleting) {
      return Unavailable("the " + spec.base_model +
                         " lora pool is being deleted as idle; it is applied again next");
    }
    if (it != pools_.end()) d = it->second.d;
    current = it != pools_.end() && (d.replicas == t.lora_pool.replicas || !d.refused.empty());
  }
  if (!current) {  // a new pool, a pool left by a detach meanwhile, or one of another size
    ReplicaSpec pool_spec = PoolSpec(spec.base_model);
    d.name = KubeObjectName(spec.base_model + "-lora-pool", pool_spec.deployment_uid);
    d.uid = pool_spec.deployment_uid;
    d.deployed_model = spec.base_model;
    d.units = 1;
    RETURN_IF_ERROR(Apply(pool_spec, KubePoolTemplate(t), d, /*pool=*/true));
    if (d.refused.empty()) {
      RETURN_IF_ERROR(Scale(d.name, t.lora_pool.replicas));
      d.replicas = t.lora_pool.replicas;
    }
  }
  std::string waiting;
  {
    std::lock_guard lock(mu_);
    // Deleted as idle since the look above: the next attach applies it again.
    bool vanished = current && !pools_.count(spec.base_model);
    Pool& pool = pools_[spec.base_model];
    if (!current || vanished) pool.d = d;
    if (vanished) pool.d.replicas = 0;
    pool.kind = t.kind;
    if (!attached_.count(spec.deployment_uid)) {
      LOG_INFO("adapter {} attached to the {} lora pool ({})", spec.deployed_model, spec.base_model,
               pool.d.name);
    }
    pool.adapters.try_emplace(spec.deployment_uid, Adapter{spec.deployed_model, path, {}});
    attached_[spec.deployment_uid] = spec.base_model;
    View(pool.d, &waiting);
  }
  loader_cv_.notify_all();
  if (!waiting.empty()) return Unavailable(waiting);
  return Status::Ok();
}

Status KubernetesRuntime::DetachAdapter(const std::string& deployment_uid) {
  std::string base;
  std::string last;  // the pool's Deployment, when this is its last adapter
  {
    std::lock_guard lock(mu_);
    auto it = attached_.find(deployment_uid);
    if (it == attached_.end()) return Status::Ok();
    base = it->second;
    const Pool& pool = pools_.at(base);
    if (pool.adapters.size() == 1) last = pool.d.name;
  }
  // The Deployment goes first: when it cannot, nothing changed and the caller retries.
  if (!last.empty()) RETURN_IF_ERROR(DeleteDeployment(last));
  std::lock_guard lock(mu_);
  attached_.erase(deployment_uid);
  Pool& pool = pools_.at(base);
  Adapter adapter = std::move(pool.adapters.at(deployment_uid));
  pool.adapters.erase(deployment_uid);
  LOG_INFO("adapter {} detached from the {} lora pool", adapter.deployed_model, base);
  if (!last.empty()) {
    // Another adapter attached while the Deployment was deleted: the next attach applies again.
    if (pool.adapters.empty())
      pools_.erase(base);
    else
      pool.d.replicas = 0;
    return Status::Ok();
  }
  for (const PodView& pod : cache_->Pods(LabelValue(pool.d.uid))) {
    auto load = adapter.loads.find(pod.name);
    if (load == adapter.loads.end() || load->second.loaded_on.empty() || pod.ip.empty()) continue;
    unloads_.push_back({base,
                        deployment_uid,
                        pod.name,
                        "",
                        pod.restarts,
                        {pool.d.port, pool.kind, pod.ip},
                        adapter.deployed_model,
                        "",
                        /*load=*/false,
                        Status::Ok()});
  }
  loader_cv_.notify_all();
  return Status::Ok();
}

ReplicaInfo KubernetesRuntime::PoolView(ReplicaInfo r, const Pool& pool, const std::string& uid,
                                        const Adapter& adapter) const {
  AdapterLoadState state;
  if (auto load = adapter.loads.find(r.replica_id); load != adapter.loads.end()) {
    state = {true, load->second.loaded_on == PodIncarnation(r.replica_id, r.restarts),
             load->second.failures, load->second.last_error};
  }
  LoraPoolNames names{uid, adapter.deployed_model, pool.d.deployed_model, pool.d.deployed_model,
                      pool.kind};
  return LoraPoolReplicaView(std::move(r), names, state, options_.adapter_max_tries);
}

void KubernetesRuntime::ListPoolViewsLocked(const std::string* uid,
                                            std::vector<ReplicaInfo>& out) const {
  for (const auto& [adapter_uid, base] : attached_) {
    if (uid != nullptr && adapter_uid != *uid) continue;
    const Pool& pool = pools_.at(base);
    const Adapter& adapter = pool.adapters.at(adapter_uid);
    for (ReplicaInfo& r : View(pool.d, nullptr)) {
      out.push_back(PoolView(std::move(r), pool, adapter_uid, adapter));
    }
  }
}

std::vector<std::string> KubernetesRuntime::PoolAdapterModels(
    const std::string& deployed_model) const {
  std::vector<std::string> models;
  if (!deployed_model.starts_with(kPoolModelPrefix)) return models;
  // Those recorded on the pool's pods (what another instance attached, for one that does not
  // act), and those attached here.
  const std::string base = deployed_model.substr(std::string_view(kPoolModelPrefix).size());
  for (const PodView& pod : cache_->Pods(LabelValue(PoolSpec(base).deployment_uid))) {
    if (pod.deployed_model != deployed_model) continue;
    for (const auto& [uid, adapter] : pod.adapters) models.push_back(adapter.second);
  }
  {
    std::lock_guard lock(mu_);
    auto pool = pools_.find(base);
    if (pool != pools_.end()) {
      for (const auto& [uid, adapter] : pool->second.adapters) {
        models.push_back(adapter.deployed_model);
      }
    }
  }
  std::sort(models.begin(), models.end());
  models.erase(std::unique(models.begin(), models.end()), models.end());
  return models;
}

Status KubernetesRuntime::RunAdapterJob(const AdapterJob& job) {
  std::string key = AdapterAnnotation(job.deployment_uid);
  if (!job.load) {
    Status removed = engines_->RemoveAdapter(job.engine, job.name, options_.adapter_timeout);
    Status forgotten = AnnotatePod(job.pod, key, nullptr);
    return removed.ok() ? forgotten : removed;
  }
  RETURN_IF_ERROR(
      engines_->EnsureAdapter(job.engine, job.name, job.path, options_.adapter_timeout));
  Status recorded = AnnotatePod(job.pod, key, AdapterAnnotationValue(job.restarts, job.name));
  if (recorded.code() == StatusCode::kPermissionDenied) {
    // A Role from before berth recorded adapters (no `patch pods`): this instance serves the
    // adapter; other instances cannot see it until the Role is applied again.
    static std::once_flag warned;
    std::call_once(warned, [&] {
      LOG_WARN(
          "cannot record loaded adapters on pods ({}): other berth instances will not "
          "route to lora deployments until deploy/role.json is applied again",
          recorded.message());
    });
    return Status::Ok();
  }
  if (!recorded.ok()) return Unavailable("recording it on the pod: " + recorded.message());
  return Status::Ok();
}

Status KubernetesRuntime::AnnotatePod(const std::string& pod, const std::string& key,
                                      const Json& value) {
  Json patch = {{"metadata", {{"annotations", {{key, value}}}}}};
  std::string path = "/api/v1/namespaces/" + options_.kube_namespace + "/pods/" + pod;
  ASSIGN_OR_RETURN(KubeResponse r,
                   api_->Call({"PATCH", path, "application/merge-patch+json", patch.dump()}));
  if (r.status == 200 || (r.status == 404 && value.is_null())) return Status::Ok();
  return KubeError(r, "patch", "pods");
}

void KubernetesRuntime::ObservedAdapterView(const std::string& uid,
                                            std::vector<ReplicaInfo>& out) const {
  const std::string key = LabelValue(uid);
  for (const PodView& pod : cache_->ServingAdapter(key)) {
    auto adapter = pod.adapters.find(key);
    if (pod.terminating || adapter == pod.adapters.end()) continue;
    KubeDeployment d;
    d.uid = uid;
    d.units = pod.units;
    d.port = pod.port;
    const auto& [restarts, deployed_model] = adapter->second;
    LoraPoolNames names{uid, deployed_model, pod.pool_base, pod.pool_base,
                        templates_.Resolve(pod.pool_base, pod.pool_base).kind};
    AdapterLoadState load{true, restarts == pod.restarts, 0, ""};
    out.push_back(LoraPoolReplicaView(FromPod(d, pod), names, load, options_.adapter_max_tries));
  }
}

void KubernetesRuntime::LoaderLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    loader_cv_.wait_for(lock, options_.loader_tick);
    if (stopping_) break;
    SteadyTime now = clock_.MonotonicNow();
    std::vector<AdapterJob> jobs;
    CollectAdapterJobsLocked(now, jobs);
    lock.unlock();
    for (AdapterJob& job : jobs) {
      adapter_pool_->Submit([this, job = std::move(job)]() mutable {
        job.result = RunAdapterJob(job);
        ApplyAdapterJob(job);
      });
    }
    if (ActsRelearned()) DeleteIdlePools(now);
    lock.lock();
  }
}

void KubernetesRuntime::CollectAdapterJobsLocked(SteadyTime now, std::vector<AdapterJob>& jobs) {
  for (AdapterJob& unload : unloads_) jobs.push_back(std::move(unload));
  unloads_.clear();
  for (auto& [base, pool] : pools_) {
    std::vector<PodView> pods = cache_->Pods(LabelValue(pool.d.uid));
    for (auto& [uid, adapter] : pool.adapters) {
      std::erase_if(adapter.loads, [&](const auto& load) {
        return std::none_of(pods.begin(), pods.end(),
                            [&](const PodView& p) { return p.name == load.first; });
      });
      for (const PodView& pod : pods) {
        if (!pod.ready || pod.ip.empty() || pod.terminating) continue;
        AdapterLoad& load = adapter.loads[pod.name];
        std::string incarnation = PodIncarnation(pod.name, pod.restarts);
        if (load.loaded_on == incarnation || !load.MayTry(now, options_.adapter_max_tries)) {
          continue;
        }
        load.busy = true;
        jobs.push_back({base,
                        uid,
                        pod.name,
                        incarnation,
                        pod.restarts,
                        {pool.d.port, pool.kind, pod.ip},
                        adapter.deployed_model,
                        adapter.path,
                        /*load=*/true,
                        Status::Ok()});
      }
    }
  }
}

void KubernetesRuntime::ApplyAdapterJob(const AdapterJob& job) {
  if (!job.load) {
    if (!job.result.ok()) {
      LOG_WARN("pod {}: could not unload adapter {}: {}", job.pod, job.name, job.result.ToString());
    }
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto pool = pools_.find(job.base_model);
    if (pool == pools_.end()) return;
    auto adapter = pool->second.adapters.find(job.deployment_uid);
    if (adapter == pool->second.adapters.end()) return;  // detached meanwhile
    AdapterLoad& load = adapter->second.loads[job.pod];
    load.Record(job.result, "adapter " + job.name + " on pod " + job.pod, clock_.MonotonicNow(),
                options_.backoff_base, options_.backoff_max);
    if (job.result.ok()) {
      LOG_INFO("pod {}: serves adapter {}", job.pod, job.name);
      load.loaded_on = job.incarnation;
    }
  }
  Changed(job.name);
}

// An adopted pool no lora deployment attaches to within the grace (its deployments were
// deleted while berth was away) is deleted.
// A pool is marked while its Deployment is deleted, so an attach meanwhile waits (Unavailable)
// instead of counting on a Deployment about to go; one that slipped in just before the mark
// finds the pool to apply again.
void KubernetesRuntime::DeleteIdlePools(SteadyTime now) {
  std::vector<std::pair<std::string, std::string>> idle;  // base model, Deployment
  {
    std::lock_guard lock(mu_);
    for (auto& [base, pool] : pools_) {
      if (pool.deleting || !pool.adapters.empty() ||
          now - pool.idle_since < options_.idle_pool_grace) {
        continue;
      }
      pool.deleting = true;
      idle.emplace_back(base, pool.d.name);
    }
  }
  for (const auto& [base, name] : idle) {
    LOG_INFO("deleting the lora pool Deployment {}: no lora deployment uses it", name);
    Status deleted = DeleteDeployment(name);
    if (!deleted.ok()) LOG_WARN("deleting {}: {}", name, deleted.ToString());
    std::lock_guard lock(mu_);
    auto it = pools_.find(base);
    if (it == pools_.end()) continue;
    Pool& pool = it->second;
    pool.deleting = false;
    if (!deleted.ok()) {
      pool.idle_since = now;  // tried again after another grace
    } else if (pool.adapters.empty()) {
      pools_.erase(it);
    } else {
      pool.d.replicas = 0;  // an adapter came just before the mark: applied again next
    }
  }
}

}  // namespace berth
