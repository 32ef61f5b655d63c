#include "store/postgres/postgres_store.h"

#include <utility>

#include "store/postgres/pg_codec.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_schema.h"

namespace berth {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;
using pg::TxMode;

// Idle connections kept open; more are opened when more threads use the store at once.
constexpr size_t kMaxIdleConnections = 8;

Status InsertEvents(Connection& db, const std::vector<DeploymentEvent>& events) {
  for (const DeploymentEvent& event : events) {
    Params params;
    pg::BindEvent(params, event);
    RETURN_IF_ERROR(db.Exec(pg::InsertEventSql(), params).status());
  }
  return Status::Ok();
}

// Tells every instance listening that `deployed_model` changed; delivered at commit.
Status Notify(Connection& db, const std::string& deployed_model) {
  return db
      .Exec("SELECT pg_notify($1, $2)",
            Params().Text(PostgresStore::kDeploymentsChannel).Text(deployed_model))
      .status();
}

// Why a conditional write of `deployed_model` changed no row.
Status MissingOrConflict(Connection& db, const std::string& deployed_model) {
  ASSIGN_OR_RETURN(Result exists, db.Exec("SELECT 1 FROM deployments WHERE deployed_model = $1",
                                          Params().Text(deployed_model)));
  if (exists.rows() == 0) return NotFound("deployment " + deployed_model + " not found");
  return Aborted("deployment " + deployed_model + " was modified concurrently");
}

// FailedPrecondition unless `fence` holds the reconciler lease now; locks the lease row until
// commit so a takeover cannot slip in between this check and the write.
Status CheckFence(Connection& db, const LeaseFence& fence) {
  ASSIGN_OR_RETURN(
      Result held,
      db.Exec("SELECT 1 FROM cluster_lease WHERE name = $1 AND holder = $2 AND term = $3"
              " AND expires > (extract(epoch from clock_timestamp()) * 1000)::bigint FOR SHARE",
              Params().Text(PostgresStore::kReconcilerLease).Text(fence.holder).Int(fence.term)));
  if (held.rows() == 0) {
    return FailedPrecondition("instance " + fence.holder + " no longer leads (term " +
                              std::to_string(fence.term) + "); write refused");
  }
  return Status::Ok();
}

constexpr const char* kListFilter = " WHERE workspace_id = $1 AND ($2::text IS NULL OR plan = $2)";

Params ListFilter(const ListDeploymentsQuery& query) {
  Params params;
  params.Text(query.workspace_id);
  if (query.plan) {
    params.Text(PlanName(*query.plan));
  } else {
    params.Null();
  }
  return params;
}

}  // namespace

StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo) {
  auto pool = std::make_unique<pg::Pool>(conninfo, kMaxIdleConnections);
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, pool->OpenDedicated());
    RETURN_IF_ERROR(pg::Migrate(*db, pg::Migrations()));
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(conninfo, std::move(pool)));
}

PostgresStore::PostgresStore(std::string conninfo, std::unique_ptr<pg::Pool> pool)
    : conninfo_(std::move(conninfo)), pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

Status PostgresStore::CreateDeployment(const Deployment& d, const DeploymentEvent& event) {
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    Params deployment;
    pg::BindDeployment(deployment, d, 1);
    Status inserted = db.Exec(pg::InsertDeploymentSql(), deployment).status();
    if (inserted.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("deployment " + d.deployed_model + " already exists");
    }
    RETURN_IF_ERROR(inserted);
    Params incarnation;
    pg::BindIncarnation(incarnation, MakeIncarnation(d));
    RETURN_IF_ERROR(db.Exec(pg::InsertIncarnationSql(), incarnation).status());
    RETURN_IF_ERROR(InsertEvents(db, {event}));
    return Notify(db, d.deployed_model);
  });
}

StatusOr<Deployment> PostgresStore::GetDeployment(const std::string& deployed_model) {
  std::optional<Deployment> found;
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result result,
                     db.Exec(pg::SelectDeploymentSql() + " WHERE deployed_model = $1",
                             Params().Text(deployed_model)));
    if (result.rows() == 0) return NotFound("deployment " + deployed_model + " not found");
    ASSIGN_OR_RETURN(found, pg::ReadDeployment(pg::Row(result, 0)));
    return Status::Ok();
  }));
  return std::move(*found);
}

StatusOr<DeploymentPage> PostgresStore::ListDeployments(const ListDeploymentsQuery& query) {
  if (query.page_no < 1) return InvalidArgument("page_no must be at least 1");
  if (query.page_size < 1) return InvalidArgument("page_size must be at least 1");
  DeploymentPage page;
  // One snapshot, so the total and the page agree.
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(
        Result count,
        db.Exec(std::string("SELECT COUNT(*) FROM deployments") + kListFilter, ListFilter(query)));
    page.total = count.Int(0, 0);
    Params params = ListFilter(query);
    params.Int(query.page_size).Int(static_cast<int64_t>(query.page_no - 1) * query.page_size);
    ASSIGN_OR_RETURN(Result rows, db.Exec(pg::SelectDeploymentSql() + kListFilter +
                                              " ORDER BY created DESC, deployed_model ASC"
                                              " LIMIT $3 OFFSET $4",
                                          params));
    ASSIGN_OR_RETURN(page.items, pg::CollectRows<Deployment>(rows, pg::ReadDeployment));
    return Status::Ok();
  }));
  return page;
}

StatusOr<std::vector<Deployment>> PostgresStore::ListAllDeployments() {
  std::vector<Deployment> all;
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result rows, db.Exec(pg::SelectDeploymentSql() +
                                          " ORDER BY created DESC, deployed_model ASC"));
    ASSIGN_OR_RETURN(all, pg::CollectRows<Deployment>(rows, pg::ReadDeployment));
    return Status::Ok();
  }));
  return all;
}

namespace {

Status UpdateIn(Connection& db, const Deployment& d, const std::vector<DeploymentEvent>& events) {
  Params params;
  pg::BindDeployment(params, d, d.version + 1);
  params.Int(d.version);
  // READ COMMITTED re-checks the WHERE against a row a concurrent writer just committed, so
  // of two writers holding the same version exactly one changes the row.
  ASSIGN_OR_RETURN(Result updated, db.Exec(pg::UpdateDeploymentSql(), params));
  if (updated.affected() == 0) return MissingOrConflict(db, d.deployed_model);
  RETURN_IF_ERROR(InsertEvents(db, events));
  return Notify(db, d.deployed_model);
}

Status DeleteIn(Connection& db, const std::string& deployed_model, int64_t expected_version,
                const DeploymentEvent& event) {
  ASSIGN_OR_RETURN(Result removed,
                   db.Exec("DELETE FROM deployments WHERE deployed_model = $1 AND version = $2",
                           Params().Text(deployed_model).Int(expected_version)));
  if (removed.affected() == 0) return MissingOrConflict(db, deployed_model);
  RETURN_IF_ERROR(db.Exec("UPDATE incarnations SET deleted = $1 WHERE uid = $2",
                          Params().Int(ToUnixMillis(event.time)).Text(event.uid))
                      .status());
  RETURN_IF_ERROR(InsertEvents(db, {event}));
  return Notify(db, deployed_model);
}

}  // namespace

Status PostgresStore::UpdateDeployment(const Deployment& d,
                                       const std::vector<DeploymentEvent>& events) {
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) { return UpdateIn(db, d, events); });
}

Status PostgresStore::DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                                       const DeploymentEvent& event) {
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) {
    return DeleteIn(db, deployed_model, expected_version, event);
  });
}

Status PostgresStore::UpdateDeployment(const Deployment& d,
                                       const std::vector<DeploymentEvent>& events,
                                       const LeaseFence& fence) {
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    RETURN_IF_ERROR(CheckFence(db, fence));
    return UpdateIn(db, d, events);
  });
}

Status PostgresStore::DeleteDeployment(const std::string& deployed_model, int64_t expected_version,
                                       const DeploymentEvent& event, const LeaseFence& fence) {
  return pool_->Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    RETURN_IF_ERROR(CheckFence(db, fence));
    return DeleteIn(db, deployed_model, expected_version, event);
  });
}

StatusOr<std::vector<Incarnation>> PostgresStore::ListIncarnations(const std::string& workspace_id,
                                                                   SystemTime start,
                                                                   SystemTime end) {
  std::vector<Incarnation> out;
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(
        Result rows,
        db.Exec(pg::SelectIncarnationSql() +
                    " WHERE workspace_id = $1 AND created < $3"
                    " AND (deleted IS NULL OR deleted >= $2) ORDER BY created, uid",
                Params().Text(workspace_id).Int(ToUnixMillis(start)).Int(ToUnixMillis(end))));
    ASSIGN_OR_RETURN(out, pg::CollectRows<Incarnation>(rows, pg::ReadIncarnation));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<DeploymentEvent>> PostgresStore::ListEvents(const std::string& uid) {
  std::vector<DeploymentEvent> out;
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result rows, db.Exec(pg::SelectEventSql() + " WHERE uid = $1 ORDER BY seq",
                                          Params().Text(uid)));
    ASSIGN_OR_RETURN(out, pg::CollectRows<DeploymentEvent>(rows, pg::ReadEvent));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::map<DeploymentStatus, int64_t>> PostgresStore::CountDeploymentsByStatus() {
  std::map<DeploymentStatus, int64_t> counts;
  for (DeploymentStatus status : AllStatuses()) counts[status] = 0;
  RETURN_IF_ERROR(pool_->Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result rows,
                     db.Exec("SELECT status, COUNT(*) FROM deployments GROUP BY status"));
    for (int i = 0; i < rows.rows(); ++i) {
      std::optional<DeploymentStatus> status = ParseStatus(rows.Text(i, 0));
      if (!status) {
        return Internal("stored deployment has an unknown status \"" + rows.Text(i, 0) + "\"");
      }
      counts[*status] = rows.Int(i, 1);
    }
    return Status::Ok();
  }));
  return counts;
}

}  // namespace berth
