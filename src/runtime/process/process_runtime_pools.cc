// The shared LoRA pools of ProcessRuntime: one pool of base-model replicas per base model,
// started with its first adapter, stopped after its last; the supervisor loads every attached
// adapter onto every ready pool replica (docs/runtime.md, "lora deployments").
#include "common/log.h"
#include "core/engine_template.h"
#include "runtime/lora_pool_view.h"
#include "runtime/process/process_runtime.h"

namespace berth {
namespace {

// The deployment_uid of pool replicas: they belong to the pool, not to one deployment.
constexpr char kPoolUidPrefix[] = "lora-pool:";

std::string PoolUid(const std::string& base_model) { return kPoolUidPrefix + base_model; }

ReplicaSpec PoolReplicaSpec(const std::string& base_model) {
  ReplicaSpec spec;
  spec.deployment_uid = PoolUid(base_model);
  spec.deployed_model = base_model;  // the name the engine serves the base model under
  spec.model_name = base_model;
  spec.base_model = base_model;
  spec.plan = Plan::kLora;
  spec.units = 1;
  return spec;
}

}  // namespace

bool ProcessRuntime::IsPoolReplica(const ReplicaRecord& rec) {
  return rec.deployment_uid.starts_with(kPoolUidPrefix);
}

Status ProcessRuntime::AttachAdapter(const ReplicaSpec& spec) {
  std::vector<SpawnJob> spawns;  // run on every way out, once mu_ is released
  Status attached = [&]() -> Status {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the process runtime is shutting down");
    if (attached_.count(spec.deployment_uid)) return Status::Ok();
    const EngineTemplate& engine = engines_.Resolve(spec.base_model, spec.base_model);
    RETURN_IF_ERROR(CheckLoraEngine(engine, spec.base_model));
    TemplateValues values;
    values.model_name = spec.model_name;
    values.served_model_name = spec.deployed_model;
    ASSIGN_OR_RETURN(std::string path, ExpandTemplate(engine.lora_pool.lora_path, values));

    Pool& pool = pools_[spec.base_model];
    while (static_cast<int>(pool.replica_ids.size()) < engine.lora_pool.replicas) {
      StatusOr<ReplicaInfo> started = StartLocked(PoolReplicaSpec(spec.base_model), spawns);
      if (!started.ok()) {
        if (pool.replica_ids.empty() && pool.adapters.empty()) pools_.erase(spec.base_model);
        return started.status();
      }
      pool.replica_ids.push_back(started->replica_id);
    }
    pool.adapters[spec.deployment_uid] = Adapter{spec.deployed_model, std::move(path), {}};
    attached_[spec.deployment_uid] = spec.base_model;
    LOG_INFO("adapter {} attached to the {} pool ({} replicas)", spec.deployed_model,
             spec.base_model, pool.replica_ids.size());
    return Status::Ok();
  }();
  RunSpawns(spawns);
  Persist();
  cv_.notify_all();
  return attached;
}

Status ProcessRuntime::DetachAdapter(const std::string& deployment_uid) {
  {
    std::lock_guard lock(mu_);
    auto it = attached_.find(deployment_uid);
    if (it == attached_.end()) return Status::Ok();
    std::string base = it->second;
    attached_.erase(it);
    Pool& pool = pools_.at(base);
    Adapter adapter = std::move(pool.adapters.at(deployment_uid));
    pool.adapters.erase(deployment_uid);
    LOG_INFO("adapter {} detached from the {} pool", adapter.deployed_model, base);
    if (pool.adapters.empty()) {
      StopPoolLocked(base);
    } else {
      for (const auto& [replica_id, load] : adapter.loads) {
        auto r = replicas_.find(replica_id);
        if (r == replicas_.end() || load.loaded_generation != r->second.generation) continue;
        unloads_.push_back({base, "", replica_id, r->second.generation, r->second.rec.port,
                            adapter.deployed_model, "", /*load=*/false, Status::Ok(),
                            r->second.engine.kind});
      }
    }
  }
  Persist();
  cv_.notify_all();
  return Status::Ok();
}

void ProcessRuntime::StopPoolLocked(const std::string& base_model) {
  auto pool = pools_.find(base_model);
  if (pool == pools_.end()) return;
  LOG_INFO("stopping the {} lora pool: no adapter is attached", base_model);
  for (const std::string& replica_id : pool->second.replica_ids) StopLocked(replica_id);
  pools_.erase(pool);
}

void ProcessRuntime::AdoptPoolsLocked(SteadyTime now) {
  for (const auto& [id, r] : replicas_) {
    if (!IsPoolReplica(r.rec)) continue;
    Pool& pool = pools_[r.rec.base_model];
    pool.replica_ids.push_back(id);
    pool.idle_since = now;
  }
}

void ProcessRuntime::StopIdlePoolsLocked(SteadyTime now) {
  std::vector<std::string> idle;
  for (const auto& [base, pool] : pools_) {
    if (pool.adapters.empty() && now - pool.idle_since >= options_.idle_pool_grace) {
      idle.push_back(base);
    }
  }
  for (const std::string& base : idle) StopPoolLocked(base);
}

void ProcessRuntime::CollectAdapterJobsLocked(SteadyTime now, std::vector<AdapterJob>& jobs) {
  for (AdapterJob& unload : unloads_) {
    auto r = replicas_.find(unload.replica_id);
    if (r != replicas_.end() && r->second.generation == unload.generation &&
        r->second.phase == Phase::kReady) {
      jobs.push_back(std::move(unload));
    }
  }
  unloads_.clear();
  for (auto& [base, pool] : pools_) {
    for (const std::string& replica_id : pool.replica_ids) {
      auto r = replicas_.find(replica_id);
      if (r == replicas_.end() || r->second.phase != Phase::kReady) continue;
      const Replica& replica = r->second;
      for (auto& [uid, adapter] : pool.adapters) {
        AdapterLoad& load = adapter.loads[replica_id];
        if (load.loaded_generation == replica.generation ||
            !load.MayTry(now, options_.max_start_tries)) {
          continue;
        }
        load.busy = true;
        jobs.push_back({base, uid, replica_id, replica.generation, replica.rec.port,
                        adapter.deployed_model, adapter.path, /*load=*/true, Status::Ok(),
                        replica.engine.kind});
      }
    }
  }
}

void ProcessRuntime::ApplyAdapterJob(const AdapterJob& job, SteadyTime now) {
  if (!job.load) {
    if (!job.result.ok()) {
      LOG_WARN("replica {}: could not unload adapter {}: {}", job.replica_id, job.name,
               job.result.ToString());
    }
    return;
  }
  auto pool = pools_.find(job.base_model);
  if (pool == pools_.end()) return;
  auto adapter = pool->second.adapters.find(job.deployment_uid);
  if (adapter == pool->second.adapters.end()) return;  // detached meanwhile
  AdapterLoad& load = adapter->second.loads[job.replica_id];
  load.busy = false;
  auto r = replicas_.find(job.replica_id);
  if (r == replicas_.end() || r->second.generation != job.generation) return;  // restarted
  load.Record(job.result, "adapter " + job.name + " on replica " + job.replica_id, now,
              options_.backoff_base, options_.backoff_max);
  if (job.result.ok()) {
    LOG_INFO("replica {}: serves adapter {}", job.replica_id, job.name);
    load.loaded_generation = job.generation;
  }
  changed_.insert(adapter->second.deployed_model);
}

ReplicaInfo ProcessRuntime::PoolViewLocked(const Replica& r, const std::string& base_model,
                                           const std::string& deployment_uid,
                                           const Adapter& adapter) const {
  AdapterLoadState state;
  if (auto load = adapter.loads.find(r.rec.replica_id); load != adapter.loads.end()) {
    state = {true, load->second.loaded_generation == r.generation, load->second.failures,
             load->second.last_error};
  }
  LoraPoolNames names{deployment_uid, adapter.deployed_model, base_model, r.rec.deployed_model,
                      r.engine.kind};
  return LoraPoolReplicaView(InfoLocked(r), names, state, options_.max_start_tries);
}

void ProcessRuntime::ListPoolViewsLocked(const std::string* deployment_uid,
                                         std::vector<ReplicaInfo>& out) const {
  for (const auto& [uid, base] : attached_) {
    if (deployment_uid != nullptr && uid != *deployment_uid) continue;
    const Pool& pool = pools_.at(base);
    const Adapter& adapter = pool.adapters.at(uid);
    for (const std::string& replica_id : pool.replica_ids) {
      auto r = replicas_.find(replica_id);
      if (r != replicas_.end()) out.push_back(PoolViewLocked(r->second, base, uid, adapter));
    }
  }
}

}  // namespace berth
