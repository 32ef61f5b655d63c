// FencedStore: the Store the reconciler writes through when several instances share one
// PostgreSQL. Deployment updates and deletes commit only while this instance holds the
// reconciler lease in the term it believes it holds (PostgresStore's fenced writes); every
// other call goes straight to the PostgresStore. The API's own writes do not go through it:
// any instance may serve them. Thread-safe as PostgresStore is.
#pragma once

#include "cluster/leader_lease.h"
#include "store/postgres/postgres_store.h"
#include "store/store.h"

namespace berth {

class FencedStore final : public Store {
 public:
  FencedStore(PostgresStore& store, const LeaderLease& lease) : store_(store), lease_(lease) {}

  // FailedPrecondition when this instance does not lead (or no longer does, at commit).
  Status UpdateDeployment(const Deployment& d, const std::vector<DeploymentEvent>& events) override;
  Status DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                          const DeploymentEvent& event) override;

  Status CreateDeployment(const Deployment& d, const DeploymentEvent& event) override {
    return store_.CreateDeployment(d, event);
  }
  StatusOr<Deployment> GetDeployment(const std::string& deployed_model) override {
    return store_.GetDeployment(deployed_model);
  }
  StatusOr<DeploymentPage> ListDeployments(const ListDeploymentsQuery& query) override {
    return store_.ListDeployments(query);
  }
  StatusOr<std::vector<Deployment>> ListAllDeployments() override {
    return store_.ListAllDeployments();
  }
  StatusOr<std::vector<Incarnation>> ListIncarnations(const std::string& workspace_id,
                                                      SystemTime start, SystemTime end) override {
    return store_.ListIncarnations(workspace_id, start, end);
  }
  StatusOr<std::vector<DeploymentEvent>> ListEvents(const std::string& uid) override {
    return store_.ListEvents(uid);
  }
  StatusOr<std::map<DeploymentStatus, int64_t>> CountDeploymentsByStatus() override {
    return store_.CountDeploymentsByStatus();
  }
  Status CreateWorkspace(const Workspace& w) override { return store_.CreateWorkspace(w); }
  StatusOr<std::vector<Workspace>> ListWorkspaces() override { return store_.ListWorkspaces(); }
  StatusOr<Workspace> GetWorkspace(const std::string& workspace_id) override {
    return store_.GetWorkspace(workspace_id);
  }
  Status CreateApiKey(const ApiKey& key) override { return store_.CreateApiKey(key); }
  StatusOr<std::vector<ApiKey>> ListApiKeys() override { return store_.ListApiKeys(); }
  Status DeleteApiKey(const std::string& key_id) override { return store_.DeleteApiKey(key_id); }
  Status CreateCustomModel(const CustomModel& m) override { return store_.CreateCustomModel(m); }
  StatusOr<std::vector<CustomModel>> ListCustomModels() override {
    return store_.ListCustomModels();
  }
  Status DeleteCustomModel(const std::string& model_name) override {
    return store_.DeleteCustomModel(model_name);
  }
  Status AppendUsage(const std::vector<UsageRecord>& records) override {
    return store_.AppendUsage(records);
  }
  StatusOr<std::vector<UsageRecord>> ListUsage(const std::string& deployed_model, SystemTime start,
                                               SystemTime end) override {
    return store_.ListUsage(deployed_model, start, end);
  }
  StatusOr<std::vector<UsageHour>> SumUsageByHour(const UsageQuery& query) override {
    return store_.SumUsageByHour(query);
  }
  StatusOr<std::vector<TokenUsage>> SumTokensByHour(const UsageQuery& query) override {
    return store_.SumTokensByHour(query);
  }

 private:
  PostgresStore& store_;
  const LeaderLease& lease_;
};

}  // namespace berth
