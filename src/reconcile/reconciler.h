// Reconciler: drives every deployment's replicas towards its desired state and writes the
// observed status back, in the Kubernetes controller manner. Writers only Trigger() an id;
// worker threads re-read the record, act through the RuntimeAdapter, and write status last
// with a version check (a lost race is simply retried). A periodic resync catches drift and
// stops orphan replicas. It is the runtime's only caller: the service reads replicas through
// it (ReplicaReader). Start/Stop from the composition root; Trigger and Replicas from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "reconcile/replica_reader.h"
#include "reconcile/route_publisher.h"
#include "reconcile/trigger.h"
#include "reconcile/work_queue.h"
#include "runtime/runtime_adapter.h"
#include "store/store.h"

namespace berth {

struct ReconcilerOptions {
  // Passes run at once. A pass that writes waits for the store's fsync, and the store commits
  // the writes waiting together in one transaction: more workers, more writes per fsync.
  int workers = 16;
  Millis converge_poll{100};    // how soon to look again while replicas are starting
  Millis resync_period{10000};  // how often every deployment is looked at regardless...
  int resync_per_second = 500;  // ...but at most this many a second, however many are stored
  Millis retry_base{200};       // backoff after a failed pass, doubled up to retry_max
  Millis retry_max{10000};
  RoutePublisher* routes = nullptr;  // told about every deployment after each pass; optional
  // Several instances: whether this one holds the reconciler lease now. A pass that fails while
  // it does not was refused by the fence, as expected (the leader acts, and its writes trigger
  // this instance again): it is retried as any other, and logged at debug level, not warned.
  std::function<bool()> leading;
};

class Reconciler : public ReconcileTrigger, public ReplicaReader {
 public:
  Reconciler(Store& store, RuntimeAdapter& runtime, const Clock& clock, ReconcilerOptions options);
  ~Reconciler() override;

  // Queues every stored deployment, stops orphans, and starts the workers and the resync loop.
  void Start();
  void Stop();
  void Trigger(const std::string& deployed_model) override;
  // What the runtime reports now for the deployment.
  StatusOr<std::vector<ReplicaInfo>> Replicas(const std::string& deployment_uid) override;
  StatusOr<LogTail> ReplicaLogTail(const std::string& replica_id, size_t max_bytes) override;
  std::string WaitingReason(const std::string& deployed_model) override;

  // One pass over one deployment. Returns when to look again (nullopt: converged), or the
  // error that made the pass fail (the caller retries with backoff).
  StatusOr<std::optional<Millis>> Reconcile(const std::string& deployed_model);
  // Stops replicas whose deployment no longer exists.
  Status StopOrphans();

 private:
  void WorkerLoop();
  void ResyncLoop();
  // Queues every stored deployment and stops orphans. `paced` spreads the deployments over
  // the span it returns (resync_period, or longer at resync_per_second), so the sweep's work per
  // second does not grow with their number, in the queue's background lane (a change never
  // waits behind the sweep); unpaced (at start) queues them all now.
  Millis ResyncOnce(bool paced);
  Status StopOrphans(const std::vector<ReplicaInfo>& replicas, const std::vector<Deployment>& all);
  Status ApplyPlan(const Deployment& d, const std::vector<ReplicaInfo>& replicas);
  Status WriteObservation(const Deployment& before, const Deployment& after);
  // Records a WaitingForCapacity event the first time a pass cannot start replicas for lack of
  // room (`planned` is Unavailable), and forgets the wait once a pass gets through.
  void NoteWaiting(const Deployment& d, const Status& planned);

  Store& store_;
  RuntimeAdapter& runtime_;
  const Clock& clock_;
  const ReconcilerOptions options_;
  WorkQueue queue_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                // guarded by mu_
  std::map<std::string, int> failures_;  // consecutive failed passes by id; guarded by mu_
  // ids whose wait for room is recorded, with its reason; guarded by mu_
  std::map<std::string, std::string> waiting_;
};

}  // namespace berth
