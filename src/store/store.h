// Store: the durable state of berth. The only interface through which any layer reads or writes
// persistent data; implementations (SqliteStore; later PostgresStore) are the only place SQL
// lives. Every method is blocking and thread-safe: call it from worker threads, never from a
// network thread. A write that returns OK is on disk. Failures carry a status code and a plain
// statement of fact ("deployment x not found"); the API's wording belongs to the services.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/billing.h"
#include "core/deployment.h"
#include "store/records.h"

namespace berth {

struct ListDeploymentsQuery {
  std::string workspace_id;  // required: lists only this workspace
  std::optional<Plan> plan;  // optional filter
  int page_no = 1;           // 1-based
  int page_size = 50;
};

struct DeploymentPage {
  std::vector<Deployment> items;  // newest first (created desc, then deployed_model)
  int64_t total = 0;              // matching records across all pages
};

class Store {
 public:
  virtual ~Store() = default;

  // --- deployments ---
  // Inserts `d` with version 1, records its incarnation and appends `event`, atomically.
  // AlreadyExists if the deployed_model is taken.
  virtual Status CreateDeployment(const Deployment& d, const DeploymentEvent& event) = 0;
  // NotFound if there is no such deployment.
  virtual StatusOr<Deployment> GetDeployment(const std::string& deployed_model) = 0;
  virtual StatusOr<DeploymentPage> ListDeployments(const ListDeploymentsQuery& query) = 0;
  // Every deployment of every workspace (the reconciler's resync).
  virtual StatusOr<std::vector<Deployment>> ListAllDeployments() = 0;
  // Writes `d` if the stored version equals d.version, then stores version d.version + 1, and
  // appends `events`, atomically. Aborted on a version mismatch; NotFound if gone.
  virtual Status UpdateDeployment(const Deployment& d,
                                  const std::vector<DeploymentEvent>& events) = 0;
  // Removes the record if its version equals `expected_version`, marks its incarnation deleted
  // at event.time and appends `event` (incarnation, events and usage outlive the record).
  // Aborted on a version mismatch; NotFound if gone.
  virtual Status DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                                  const DeploymentEvent& event) = 0;
  // Incarnations of `workspace_id` alive at some time in [start, end) (created before `end`,
  // not deleted before `start`), deleted ones included; oldest first.
  virtual StatusOr<std::vector<Incarnation>> ListIncarnations(const std::string& workspace_id,
                                                              SystemTime start, SystemTime end) = 0;
  // Events of the incarnation `uid`, oldest first.
  virtual StatusOr<std::vector<DeploymentEvent>> ListEvents(const std::string& uid) = 0;
  virtual StatusOr<std::map<DeploymentStatus, int64_t>> CountDeploymentsByStatus() = 0;

  // --- workspaces and keys ---
  virtual Status CreateWorkspace(const Workspace& w) = 0;  // AlreadyExists
  virtual StatusOr<std::vector<Workspace>> ListWorkspaces() = 0;
  virtual StatusOr<Workspace> GetWorkspace(const std::string& workspace_id) = 0;  // NotFound
  virtual Status CreateApiKey(const ApiKey& key) = 0;  // AlreadyExists (id or hash)
  virtual StatusOr<std::vector<ApiKey>> ListApiKeys() = 0;
  virtual Status DeleteApiKey(const std::string& key_id) = 0;  // NotFound

  // --- custom models ---
  virtual Status CreateCustomModel(const CustomModel& m) = 0;  // AlreadyExists
  virtual StatusOr<std::vector<CustomModel>> ListCustomModels() = 0;
  virtual Status DeleteCustomModel(const std::string& model_name) = 0;  // NotFound

  // --- usage (written by the gateway in batches) ---
  virtual Status AppendUsage(const std::vector<UsageRecord>& records) = 0;
  // Records of one deployment with start <= time < end, oldest first, as stored: a record may
  // stand for several requests (UsageRecord::requests).
  virtual StatusOr<std::vector<UsageRecord>> ListUsage(const std::string& deployed_model,
                                                       SystemTime start, SystemTime end) = 0;
  // The records of `query` summed per UTC hour: the hours with at least one record, oldest
  // first. Summed by the store, so the caller's memory does not grow with the records.
  virtual StatusOr<std::vector<UsageHour>> SumUsageByHour(const UsageQuery& query) = 0;
  // Their tokens summed per UTC hour, thinking and overflow (what billing prices), by time;
  // each entry's time is the earliest of its records.
  virtual StatusOr<std::vector<TokenUsage>> SumTokensByHour(const UsageQuery& query) = 0;
};

}  // namespace berth
