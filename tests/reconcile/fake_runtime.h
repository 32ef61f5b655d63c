// FakeRuntime: a RuntimeAdapter for reconciler tests. Records every start and stop, keeps
// replicas in memory in start order, and lets the test set each replica's state. A stopped
// replica is forgotten, as the RuntimeAdapter contract says. Listing can be made to fail, as a
// Kubernetes list that times out would. Thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/runtime_adapter.h"

namespace berth::testing {

class FakeRuntime : public RuntimeAdapter {
 public:
  std::string_view Name() const override { return "fake"; }

  StatusOr<ReplicaInfo> StartReplica(const ReplicaSpec& spec) override {
    std::function<void(const ReplicaSpec&)> hook;
    ReplicaInfo replica;
    {
      std::lock_guard lock(mu_);
      if (!start_error_.ok()) return start_error_;
      started_.push_back(spec);
      replica = AddLocked(spec.deployment_uid, ReplicaState::kStarting, spec.units);
      hook = on_start_;
    }
    if (hook) hook(spec);  // outside the lock: the hook may call back into the store
    return replica;
  }

  Status StopReplica(const std::string& replica_id) override {
    std::lock_guard lock(mu_);
    stopped_.push_back(replica_id);
    std::erase_if(replicas_, [&](const ReplicaInfo& r) { return r.replica_id == replica_id; });
    return Status::Ok();
  }

  StatusOr<std::vector<ReplicaInfo>> ListReplicas(const std::string& deployment_uid) override {
    std::lock_guard lock(mu_);
    if (Status failed = NextListLocked(); !failed.ok()) return failed;
    std::vector<ReplicaInfo> out;
    for (const ReplicaInfo& r : replicas_) {
      if (r.deployment_uid == deployment_uid) out.push_back(r);
    }
    return out;
  }

  StatusOr<std::vector<ReplicaInfo>> ListAllReplicas() override {
    std::lock_guard lock(mu_);
    if (Status failed = NextListLocked(); !failed.ok()) return failed;
    return replicas_;
  }

  // An attached adapter is modelled as one pool replica seen from its deployment.
  Status AttachAdapter(const ReplicaSpec& spec) override {
    std::lock_guard lock(mu_);
    if (!start_error_.ok()) return start_error_;
    for (const ReplicaInfo& r : replicas_) {
      if (r.deployment_uid == spec.deployment_uid) return Status::Ok();
    }
    attached_.push_back(spec);
    AddLocked(spec.deployment_uid, ReplicaState::kStarting, 1);
    replicas_.back().pool = spec.base_model;
    return Status::Ok();
  }
  Status DetachAdapter(const std::string& deployment_uid) override {
    std::lock_guard lock(mu_);
    size_t erased = std::erase_if(replicas_, [&](const ReplicaInfo& r) {
      return r.deployment_uid == deployment_uid && !r.pool.empty();
    });
    if (erased > 0) detached_.push_back(deployment_uid);
    return Status::Ok();
  }

  // A replica that exists without the reconciler having started it (adopted or orphaned).
  std::string Seed(const std::string& uid, ReplicaState state) {
    std::lock_guard lock(mu_);
    return AddLocked(uid, state, 1).replica_id;
  }
  void SetState(const std::string& replica_id, ReplicaState state, std::string error = "") {
    std::lock_guard lock(mu_);
    for (ReplicaInfo& r : replicas_) {
      if (r.replica_id == replica_id) {
        r.state = state;
        r.last_error = error;
      }
    }
  }
  void SetAllReady(const std::string& uid) {
    std::lock_guard lock(mu_);
    for (ReplicaInfo& r : replicas_) {
      if (r.deployment_uid == uid) r.state = ReplicaState::kReady;
    }
  }
  void FailStarts(Status error) {
    std::lock_guard lock(mu_);
    start_error_ = std::move(error);
  }
  // Every list after the next `good` ones answers `error` (OK: lists work again).
  void FailLists(Status error, int good = 0) {
    std::lock_guard lock(mu_);
    list_error_ = std::move(error);
    good_lists_ = good;
  }
  void OnStart(std::function<void(const ReplicaSpec&)> hook) {
    std::lock_guard lock(mu_);
    on_start_ = std::move(hook);
  }

  std::vector<ReplicaSpec> started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  int lists() {
    std::lock_guard lock(mu_);
    return lists_;
  }
  std::vector<std::string> stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  std::vector<ReplicaSpec> attached() {
    std::lock_guard lock(mu_);
    return attached_;
  }
  std::vector<std::string> detached() {
    std::lock_guard lock(mu_);
    return detached_;
  }
  std::vector<std::string> ids(const std::string& uid) {
    std::vector<std::string> out;
    std::lock_guard lock(mu_);
    for (const ReplicaInfo& r : replicas_) {
      if (r.deployment_uid == uid) out.push_back(r.replica_id);
    }
    return out;
  }

 private:
  Status NextListLocked() {
    ++lists_;
    if (list_error_.ok()) return Status::Ok();
    if (good_lists_ > 0) {
      --good_lists_;
      return Status::Ok();
    }
    return list_error_;
  }
  ReplicaInfo AddLocked(const std::string& uid, ReplicaState state, int units) {
    ReplicaInfo r;
    r.replica_id = "r" + std::to_string(next_id_++);
    r.deployment_uid = uid;
    r.state = state;
    r.units = units;
    replicas_.push_back(r);
    return r;
  }

  std::mutex mu_;
  int next_id_ = 1;                                   // guarded by mu_
  std::vector<ReplicaInfo> replicas_;                 // oldest first; guarded by mu_
  std::vector<ReplicaSpec> started_;                  // guarded by mu_
  std::vector<std::string> stopped_;                  // guarded by mu_
  std::vector<ReplicaSpec> attached_;                 // guarded by mu_
  std::vector<std::string> detached_;                 // guarded by mu_
  Status start_error_;                                // guarded by mu_
  Status list_error_;                                 // guarded by mu_
  int good_lists_ = 0;                                // guarded by mu_
  int lists_ = 0;                                     // list calls so far; guarded by mu_
  std::function<void(const ReplicaSpec&)> on_start_;  // guarded by mu_
};

}  // namespace berth::testing
