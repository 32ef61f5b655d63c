#include "store/sqlite/sqlite_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "store/sqlite/codec.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/schema.h"

namespace berth {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// Idle read connections kept open; more are opened when more threads read at once. As many as
// the reconciler's 16 workers and a burst of API requests read at once: with 8, the workers
// opened a connection (file, WAL index, pragmas, an empty page cache) for about every other
// pass and closed it after, a third of each pass's reading at 100,000 deployments.
constexpr size_t kMaxIdleReaders = 32;

Status InsertEvents(Connection& db, const std::vector<DeploymentEvent>& events) {
  for (const DeploymentEvent& event : events) {
    ASSIGN_OR_RETURN(Statement insert, db.Prepare(sqlite::InsertEventSql()));
    sqlite::BindEvent(insert, event);
    RETURN_IF_ERROR(insert.Run());
  }
  return Status::Ok();
}

// Why a conditional write of `deployed_model` changed no row.
Status MissingOrConflict(Connection& db, const std::string& deployed_model) {
  ASSIGN_OR_RETURN(Statement exists,
                   db.Prepare("SELECT 1 FROM deployments WHERE deployed_model = ?1"));
  exists.BindText(1, deployed_model);
  ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return NotFound("deployment " + deployed_model + " not found");
  return Aborted("deployment " + deployed_model + " was modified concurrently");
}

// Both served by an index in page order (deployments_by_workspace, deployments_by_workspace_plan)
// so a page reads only its own rows (and those it skips), never sorts the workspace.
constexpr const char* kListWorkspace = " WHERE workspace_id = ?1";
constexpr const char* kListWorkspacePlan = " WHERE workspace_id = ?1 AND plan = ?2";

void BindListFilter(Statement& st, const ListDeploymentsQuery& query) {
  st.BindText(1, query.workspace_id);
  if (query.plan) st.BindText(2, PlanName(*query.plan));
}

StatusOr<DeploymentPage> ReadPage(Connection& db, const ListDeploymentsQuery& query) {
  DeploymentPage page;
  const char* filter = query.plan ? kListWorkspacePlan : kListWorkspace;
  {
    // deployment_counts is kept by triggers: one row per plan, not one per deployment.
    ASSIGN_OR_RETURN(
        Statement count,
        db.Prepare(std::string("SELECT COALESCE(SUM(n), 0) FROM deployment_counts") + filter));
    BindListFilter(count, query);
    ASSIGN_OR_RETURN(bool row, count.Step());
    if (row) page.total = count.Int(0);
  }
  ASSIGN_OR_RETURN(Statement select,
                   db.Prepare(sqlite::SelectDeploymentSql() + filter +
                              " ORDER BY created DESC, deployed_model ASC LIMIT ?3 OFFSET ?4"));
  BindListFilter(select, query);
  select.BindInt(3, query.page_size);
  select.BindInt(4, static_cast<int64_t>(query.page_no - 1) * query.page_size);
  ASSIGN_OR_RETURN(page.items, sqlite::CollectRows<Deployment>(select, sqlite::ReadDeployment));
  return page;
}

}  // namespace

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return InvalidArgument("the sqlite store needs a file path, got \"" + path + "\"");
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return Unavailable("creating " + parent.string() + ": " + error.message());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> write_connection, Connection::Open(path, false));
  RETURN_IF_ERROR(sqlite::Migrate(*write_connection, sqlite::Migrations()));
  auto readers = std::make_unique<sqlite::ReadPool>(path, kMaxIdleReaders);
  {
    // Fail at open, not on the first read, if readers cannot attach.
    ASSIGN_OR_RETURN(sqlite::ReadPool::Lease probe, readers->Acquire());
  }
  auto writer = std::make_unique<sqlite::GroupCommitWriter>(std::move(write_connection));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(readers), std::move(writer)));
}

SqliteStore::SqliteStore(std::unique_ptr<sqlite::ReadPool> readers,
                         std::unique_ptr<sqlite::GroupCommitWriter> writer)
    : readers_(std::move(readers)), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

int64_t SqliteStore::commits() const { return writer_->commits(); }

int64_t SqliteStore::writes() const { return writer_->writes(); }

Status SqliteStore::CreateDeployment(const Deployment& d, const DeploymentEvent& event) {
  return writer_->Run([&](Connection& db) -> Status {
    {
      ASSIGN_OR_RETURN(Statement insert, db.Prepare(sqlite::InsertDeploymentSql()));
      sqlite::BindDeployment(insert, d, 1);
      Status inserted = insert.Run();
      if (inserted.code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("deployment " + d.deployed_model + " already exists");
      }
      RETURN_IF_ERROR(inserted);
    }
    {
      ASSIGN_OR_RETURN(Statement insert, db.Prepare(sqlite::InsertIncarnationSql()));
      sqlite::BindIncarnation(insert, MakeIncarnation(d));
      RETURN_IF_ERROR(insert.Run());
    }
    return InsertEvents(db, {event});
  });
}

StatusOr<Deployment> SqliteStore::GetDeployment(const std::string& deployed_model) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectDeploymentSql() + " WHERE deployed_model = ?1"));
  select.BindText(1, deployed_model);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return NotFound("deployment " + deployed_model + " not found");
  return sqlite::ReadDeployment(select);
}

StatusOr<DeploymentPage> SqliteStore::ListDeployments(const ListDeploymentsQuery& query) {
  if (query.page_no < 1) return InvalidArgument("page_no must be at least 1");
  if (query.page_size < 1) return InvalidArgument("page_size must be at least 1");
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  // One read transaction, so the total and the page come from the same snapshot.
  RETURN_IF_ERROR(db->Run("BEGIN"));
  ASSIGN_OR_RETURN(DeploymentPage page, ReadPage(*db, query));
  RETURN_IF_ERROR(db->Run("COMMIT"));
  return page;
}

StatusOr<std::vector<Deployment>> SqliteStore::ListAllDeployments() {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select, db->Prepare(sqlite::SelectDeploymentSql() +
                                                 " ORDER BY created DESC, deployed_model ASC"));
  return sqlite::CollectRows<Deployment>(select, sqlite::ReadDeployment);
}

Status SqliteStore::UpdateDeployment(const Deployment& d,
                                     const std::vector<DeploymentEvent>& events) {
  return writer_->Run([&](Connection& db) -> Status {
    {
      ASSIGN_OR_RETURN(Statement update, db.Prepare(sqlite::UpdateDeploymentSql()));
      sqlite::BindDeployment(update, d, d.version + 1);
      update.BindInt(sqlite::DeploymentParamCount() + 1, d.version);
      RETURN_IF_ERROR(update.Run());
    }
    if (db.Changes() == 0) return MissingOrConflict(db, d.deployed_model);
    return InsertEvents(db, events);
  });
}

Status SqliteStore::DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                                     const DeploymentEvent& event) {
  return writer_->Run([&](Connection& db) -> Status {
    {
      ASSIGN_OR_RETURN(Statement remove, db.Prepare("DELETE FROM deployments WHERE "
                                                    "deployed_model = ?1 AND version = ?2"));
      remove.BindText(1, deployed_model);
      remove.BindInt(2, expected_version);
      RETURN_IF_ERROR(remove.Run());
    }
    if (db.Changes() == 0) return MissingOrConflict(db, deployed_model);
    {
      ASSIGN_OR_RETURN(Statement mark,
                       db.Prepare("UPDATE incarnations SET deleted = ?1 WHERE uid = ?2"));
      mark.BindInt(1, ToUnixMillis(event.time));
      mark.BindText(2, event.uid);
      RETURN_IF_ERROR(mark.Run());
    }
    return InsertEvents(db, {event});
  });
}

StatusOr<std::vector<Incarnation>> SqliteStore::ListIncarnations(const std::string& workspace_id,
                                                                 SystemTime start, SystemTime end) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare(sqlite::SelectIncarnationSql() +
                               " WHERE workspace_id = ?1 AND created < ?3"
                               " AND (deleted IS NULL OR deleted >= ?2) ORDER BY created, uid"));
  select.BindText(1, workspace_id);
  select.BindInt(2, ToUnixMillis(start));
  select.BindInt(3, ToUnixMillis(end));
  return sqlite::CollectRows<Incarnation>(select, sqlite::ReadIncarnation);
}

StatusOr<std::vector<DeploymentEvent>> SqliteStore::ListEvents(const std::string& uid) {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select, db->Prepare(sqlite::SelectEventsByUidSql()));
  select.BindText(1, uid);
  return sqlite::CollectRows<DeploymentEvent>(select, sqlite::ReadEvent);
}

StatusOr<std::map<DeploymentStatus, int64_t>> SqliteStore::CountDeploymentsByStatus() {
  ASSIGN_OR_RETURN(sqlite::ReadPool::Lease db, readers_->Acquire());
  ASSIGN_OR_RETURN(Statement select,
                   db->Prepare("SELECT status, COUNT(*) FROM deployments GROUP BY status"));
  std::map<DeploymentStatus, int64_t> counts;
  for (DeploymentStatus status : AllStatuses()) counts[status] = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return counts;
    std::optional<DeploymentStatus> status = ParseStatus(select.Text(0));
    if (!status)
      return Internal("stored deployment has an unknown status \"" + select.Text(0) + "\"");
    counts[*status] = select.Int(1);
  }
}

}  // namespace berth
