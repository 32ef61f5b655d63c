// SqliteStore: the Store on one SQLite file (WAL, synchronous=FULL). Every write goes to a single
// writer thread that group-commits whatever is queued: one transaction and one fsync per batch,
// each write in its own savepoint. Reads use a pool of read-only connections. All methods are
// thread-safe and blocking; call them from worker threads. Timestamps are stored in milliseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.h"

namespace berth {
namespace sqlite {
class GroupCommitWriter;
class ReadPool;
}  // namespace sqlite

class SqliteStore final : public Store {
 public:
  // Opens the database at `path`, creating the file and its parent directory if needed, and
  // migrates its schema. Unavailable if the file cannot be opened; FailedPrecondition if it was
  // written by a newer berth.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  // Applies every queued write, then stops the writer thread.
  ~SqliteStore() override;

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

  Status AppendUsage(const std::vector<UsageRecord>& records) override;
  StatusOr<std::vector<UsageRecord>> ListUsage(const std::string& deployed_model, SystemTime start,
                                               SystemTime end) override;
  StatusOr<std::vector<UsageHour>> SumUsageByHour(const UsageQuery& query) override;
  StatusOr<std::vector<TokenUsage>> SumTokensByHour(const UsageQuery& query) override;

  // Transactions committed and writes applied since Open; writes / commits is the batching.
  int64_t commits() const;
  int64_t writes() const;

 private:
  SqliteStore(std::unique_ptr<sqlite::ReadPool> readers,
              std::unique_ptr<sqlite::GroupCommitWriter> writer);

  std::unique_ptr<sqlite::ReadPool> readers_;
  std::unique_ptr<sqlite::GroupCommitWriter> writer_;  // last: destroyed (flushed) first
};

}  // namespace berth
