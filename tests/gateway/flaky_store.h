// FlakyUsageStore: a real SqliteStore whose AppendUsage can be made to fail, as a full disk
// makes it fail, for the usage recorder's tests. Every other call goes to the SQLite store.
// Thread-safe like the store it wraps.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace berth::testing {

class FlakyUsageStore final : public Store {
 public:
  explicit FlakyUsageStore(std::unique_ptr<SqliteStore> store) : store_(std::move(store)) {}

  // The next `n` AppendUsage calls fail as SQLite fails on a full disk (SQLITE_FULL).
  void FailNextAppends(int n) { failures_left_ = n; }
  int appends() const { return appends_; }  // AppendUsage calls, failed ones included

  Status AppendUsage(const std::vector<UsageRecord>& records) override {
    ++appends_;
    if (failures_left_ > 0) {
      --failures_left_;
      return Unavailable("append usage: database or disk is full (SQLITE_FULL)");
    }
    return store_->AppendUsage(records);
  }

  Status CreateDeployment(const Deployment& d, const DeploymentEvent& event) override {
    return store_->CreateDeployment(d, event);
  }
  StatusOr<Deployment> GetDeployment(const std::string& deployed_model) override {
    return store_->GetDeployment(deployed_model);
  }
  StatusOr<DeploymentPage> ListDeployments(const ListDeploymentsQuery& query) override {
    return store_->ListDeployments(query);
  }
  StatusOr<std::vector<Deployment>> ListAllDeployments() override {
    return store_->ListAllDeployments();
  }
  Status UpdateDeployment(const Deployment& d,
                          const std::vector<DeploymentEvent>& events) override {
    return store_->UpdateDeployment(d, events);
  }
  Status DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                          const DeploymentEvent& event) override {
    return store_->DeleteDeployment(deployed_model, expected_version, event);
  }
  StatusOr<std::vector<Incarnation>> ListIncarnations(const std::string& workspace_id,
                                                      SystemTime start, SystemTime end) override {
    return store_->ListIncarnations(workspace_id, start, end);
  }
  StatusOr<std::vector<DeploymentEvent>> ListEvents(const std::string& uid) override {
    return store_->ListEvents(uid);
  }
  StatusOr<std::map<DeploymentStatus, int64_t>> CountDeploymentsByStatus() override {
    return store_->CountDeploymentsByStatus();
  }
  Status CreateWorkspace(const Workspace& w) override { return store_->CreateWorkspace(w); }
  StatusOr<std::vector<Workspace>> ListWorkspaces() override { return store_->ListWorkspaces(); }
  StatusOr<Workspace> GetWorkspace(const std::string& workspace_id) override {
    return store_->GetWorkspace(workspace_id);
  }
  Status CreateApiKey(const ApiKey& key) override { return store_->CreateApiKey(key); }
  StatusOr<std::vector<ApiKey>> ListApiKeys() override { return store_->ListApiKeys(); }
  Status DeleteApiKey(const std::string& key_id) override { return store_->DeleteApiKey(key_id); }
  Status CreateCustomModel(const CustomModel& m) override { return store_->CreateCustomModel(m); }
  StatusOr<std::vector<CustomModel>> ListCustomModels() override {
    return store_->ListCustomModels();
  }
  Status DeleteCustomModel(const std::string& model_name) override {
    return store_->DeleteCustomModel(model_name);
  }
  StatusOr<std::vector<UsageRecord>> ListUsage(const std::string& deployed_model, SystemTime start,
                                               SystemTime end) override {
    return store_->ListUsage(deployed_model, start, end);
  }
  StatusOr<std::vector<UsageHour>> SumUsageByHour(const UsageQuery& query) override {
    return store_->SumUsageByHour(query);
  }
  StatusOr<std::vector<TokenUsage>> SumTokensByHour(const UsageQuery& query) override {
    return store_->SumTokensByHour(query);
  }

 private:
  std::unique_ptr<SqliteStore> store_;
  std::atomic<int> failures_left_{0};
  std::atomic<int> appends_{0};
};

}  // namespace berth::testing
