// PostgresStore: the Store on a PostgreSQL database shared by any number of berth instances.
// Each call runs one transaction on a pooled connection; a write that returns OK is committed.
// Deployment writes also NOTIFY the channel kDeploymentsChannel with the deployed_model, in
// the same transaction, so other instances learn of them at commit. All methods are
// thread-safe and blocking; call them from worker threads. While the server is unreachable
// every method returns Unavailable, and the next call after it returns reconnects.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace berth {
namespace pg {
class Pool;
}  // namespace pg

// Who may write deployment status: the holder of the reconciler lease in a given term.
struct LeaseFence {
  std::string holder;
  int64_t term = 0;
};

class PostgresStore final : public Store {
 public:
  static constexpr const char* kDeploymentsChannel = "berth_deployments";
  static constexpr const char* kReconcilerLease = "reconciler";

  // Connects with `conninfo` (postgresql://user@host:port/db?...) and migrates the schema.
  // Unavailable if the server cannot be reached; FailedPrecondition if a newer berth wrote it.
  static StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo);
  ~PostgresStore() override;

  Status CreateDeployment(const Deployment& d, const DeploymentEvent& event) override;
  StatusOr<Deployment> GetDeployment(const std::string& deployed_model) override;
  StatusOr<DeploymentPage> ListDeployments(const ListDeploymentsQuery& query) override;
  StatusOr<std::vector<Deployment>> ListAllDeployments() override;
  Status UpdateDeployment(const Deployment& d, const std::vector<DeploymentEvent>& events) override;
  Status DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                          const DeploymentEvent& event) override;
  StatusOr<std::vector<Incarnation>> ListIncarnations(const std::string& workspace_id,
                                                      SystemTime start, SystemTime end) override;
  StatusOr<std::vector<DeploymentEvent>> ListEvents(const std::string& uid) override;
  // Every status is present in the map, with 0 where no deployment has it.
  StatusOr<std::map<DeploymentStatus, int64_t>> CountDeploymentsByStatus() override;

  Status CreateWorkspace(const Workspace& w) override;
  StatusOr<std::vector<Workspace>> ListWorkspaces() override;
  StatusOr<Workspace> GetWorkspace(const std::string& workspace_id) override;
  Status CreateApiKey(const ApiKey& key) override;
  StatusOr<std::vector<ApiKey>> ListApiKeys() override;
  Status DeleteApiKey(const std::string& key_id) override;

  Status CreateCustomModel(const CustomModel& m) override;
  StatusOr<std::vector<CustomModel>> ListCustomModels() override;
  Status DeleteCustomModel(const std::string& model_name) override;

  // One multi-row INSERT per chunk of records, all in one transaction.
  Status AppendUsage(const std::vector<UsageRecord>& records) override;
  StatusOr<std::vector<UsageRecord>> ListUsage(const std::string& deployed_model, SystemTime start,
                                               SystemTime end) override;
  StatusOr<std::vector<UsageHour>> SumUsageByHour(const UsageQuery& query) override;
  StatusOr<std::vector<TokenUsage>> SumTokensByHour(const UsageQuery& query) override;

  // UpdateDeployment / DeleteDeployment that commit only while `fence` still holds the
  // reconciler lease: the lease row is read FOR SHARE in the same transaction, so a takeover
  // (which updates that row) waits for the write, and no write of a deposed term commits
  // after it. FailedPrecondition when the fence no longer holds.
  Status UpdateDeployment(const Deployment& d, const std::vector<DeploymentEvent>& events,
                          const LeaseFence& fence);
  Status DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                          const DeploymentEvent& event, const LeaseFence& fence);

  // The pool, for the other parts that keep state in the same database (cluster/).
  pg::Pool& pool() { return *pool_; }
  const std::string& conninfo() const { return conninfo_; }

 private:
  PostgresStore(std::string conninfo, std::unique_ptr<pg::Pool> pool);

  const std::string conninfo_;
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace berth
