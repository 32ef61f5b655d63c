// DeploymentService: the deployment use cases (create, list, get, scale, update, stop, start,
// delete, events), shared by the HTTP API and, later, the CLI. Validates through core, writes
// through the Store (retrying lost version races), then triggers the reconciler.
// Blocking; thread-safe; call from worker threads.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/lifecycle.h"
#include "core/requests.h"
#include "core/validation.h"
#include "reconcile/replica_reader.h"
#include "reconcile/trigger.h"
#include "service/caller.h"
#include "service/model_registry.h"
#include "service/usage_summary.h"
#include "store/store.h"

namespace berth {

// How much one replica of a ptu deployment of (model_name, base_model) serves; the process
// runtime answers from the engines config's ptu_tpm_per_replica.
using PtuSizingFor =
    std::function<PtuSizing(const std::string& model_name, const std::string& base_model)>;

class DeploymentService {
 public:
  // `ptu_sizing` null: every model gets PtuSizing's defaults. `replicas` (the reconciler)
  // null: no deployment shows replicas.
  DeploymentService(Store& store, ModelRegistry& models, ReconcileTrigger& trigger,
                    const Clock& clock, PtuSizingFor ptu_sizing = nullptr,
                    ReplicaReader* replicas = nullptr);

  // NotFound ("Model: x not found!") for an unknown model; AlreadyExists for a taken name;
  // InvalidArgument for anything else wrong with the request.
  StatusOr<Deployment> Create(const Caller& caller, const CreateDeploymentRequest& request);
  // Lists the caller's workspace; query.workspace_id is ignored.
  StatusOr<DeploymentPage> List(const Caller& caller, ListDeploymentsQuery query);
  // NotFound for unknown ids and for deployments of other workspaces alike.
  StatusOr<Deployment> Get(const Caller& caller, const std::string& id);
  StatusOr<Deployment> Scale(const Caller& caller, const std::string& id,
                             const ScaleDeploymentRequest& request);
  StatusOr<Deployment> UpdateLimits(const Caller& caller, const std::string& id,
                                    const UpdateLimitsRequest& request);
  StatusOr<Deployment> UpdateOverflowStrategy(const Caller& caller, const std::string& id,
                                              const std::string& strategy);
  StatusOr<Deployment> Stop(const Caller& caller, const std::string& id);
  StatusOr<Deployment> Start(const Caller& caller, const std::string& id);
  StatusOr<Deployment> Delete(const Caller& caller, const std::string& id);
  // The events of the deployment, oldest first; once it is deleted (the record gone), those of
  // the latest deleted incarnation of `id` in the caller's workspace. NotFound if there is none.
  StatusOr<std::vector<DeploymentEvent>> Events(const Caller& caller, const std::string& id);
  // Hourly totals of the deployment's metered requests with start <= time < end.
  StatusOr<UsageSummary> Usage(const Caller& caller, const std::string& id, SystemTime start,
                               SystemTime end);
  // How many deployments of every workspace are in each status (for the server's metrics).
  StatusOr<std::map<DeploymentStatus, int64_t>> CountByStatus();
  // The replicas the runtime runs for the deployment, oldest first; Unavailable when the
  // runtime could not look.
  StatusOr<std::vector<ReplicaInfo>> Replicas(const Caller& caller, const std::string& id);
  // The end of one of its replicas' engine log. NotFound when the deployment is not the
  // caller's or the replica is not one of its replicas; FailedPrecondition when the runtime
  // keeps no engine log.
  StatusOr<LogTail> ReplicaLog(const Caller& caller, const std::string& id,
                               const std::string& replica_id, size_t max_bytes);
  // Why `d`'s replicas cannot start now (no room); empty when they can or nobody knows.
  std::string WaitingReason(const Deployment& d);

 private:
  // Applies `change` to the current record and writes it with an event, retrying when a
  // concurrent writer wins. `change` returns the event message ("" when nothing changed and
  // nothing is written), or an error to abort.
  using Change = std::function<StatusOr<std::string>(Deployment&)>;
  StatusOr<Deployment> Mutate(const Caller& caller, const std::string& id, Operation op,
                              const std::string& event_type, const Change& change);

  Store& store_;
  ModelRegistry& models_;
  ReconcileTrigger& trigger_;
  const Clock& clock_;
  PtuSizing SizingFor(const std::string& model_name, const std::string& base_model) const;

  const PtuSizingFor ptu_sizing_;
  ReplicaReader* const replicas_;  // may be null (no runtime: no replicas to show)
  // Writers of the same deployment in this process take turns (striped by id), so they do not
  // burn their retries on each other; the store's version check still catches every other
  // writer (the reconciler, another berth instance).
  std::array<std::mutex, 64> write_locks_;
};

// The NotFound status of the API for a model or deployment id.
Status ModelNotFound(const std::string& id);

}  // namespace berth
