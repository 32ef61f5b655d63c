#include "cluster/shared_sim_runtime.h"

#include <utility>

#include "runtime/sim_runtime.h"
#include "store/postgres/pg_codec.h"
#include "store/postgres/pg_pool.h"

namespace berth {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;
using pg::TxMode;

constexpr const char* kPoolPrefix = "pool:";
constexpr const char* kColumns = "replica_id, deployment_uid, units, port, started";

ReplicaInfo ReadReplica(pg::Row r) {
  ReplicaInfo replica;
  replica.replica_id = r.Text();
  replica.deployment_uid = r.Text();
  replica.units = r.Int32();
  replica.port = r.Int32();
  replica.started = r.Time();
  return replica;
}

// Inserts a replica of `deployment_uid` and returns it.
StatusOr<ReplicaInfo> Insert(Connection& db, const std::string& deployment_uid, int units,
                             SystemTime now) {
  ASSIGN_OR_RETURN(
      Result row,
      db.Exec("INSERT INTO sim_replicas (replica_id, deployment_uid, units, port, started, seq)"
              " SELECT 'sim-' || n, $1, $2, $3 + (n % $3), $4, n"
              " FROM (SELECT nextval('sim_replica_ids') AS n) AS s RETURNING " +
                  std::string(kColumns),
              Params()
                  .Text(deployment_uid)
                  .Int(units)
                  .Int(SimRuntime::kInProcessPortBase)
                  .Int(ToUnixMillis(now))));
  return ReadReplica(pg::Row(row, 0));
}

}  // namespace

ReplicaInfo SharedSimRuntime::Observe(ReplicaInfo replica) const {
  replica.state = clock_.Now() >= replica.started + ready_delay_ ? ReplicaState::kReady
                                                                 : ReplicaState::kStarting;
  return replica;
}

StatusOr<ReplicaInfo> SharedSimRuntime::StartReplica(const ReplicaSpec& spec) {
  std::optional<ReplicaInfo> started;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(started, Insert(db, spec.deployment_uid, spec.units, clock_.Now()));
    return Status::Ok();
  }));
  return Observe(*started);
}

Status SharedSimRuntime::StopReplica(const std::string& replica_id) {
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) {
    return db.Exec("DELETE FROM sim_replicas WHERE replica_id = $1", Params().Text(replica_id))
        .status();
  });
}

StatusOr<std::vector<ReplicaInfo>> SharedSimRuntime::ListReplicas(
    const std::string& deployment_uid) {
  std::vector<ReplicaInfo> out;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result adapter, db.Exec("SELECT base_model FROM sim_adapters"
                                             " WHERE deployment_uid = $1",
                                             Params().Text(deployment_uid)));
    std::string owner = deployment_uid;
    std::string base;
    if (adapter.rows() > 0) {
      base = adapter.Text(0, 0);
      owner = kPoolPrefix + base;
    }
    ASSIGN_OR_RETURN(Result rows,
                     db.Exec(std::string("SELECT ") + kColumns +
                                 " FROM sim_replicas WHERE deployment_uid = $1 ORDER BY seq",
                             Params().Text(owner)));
    ASSIGN_OR_RETURN(out, pg::CollectRows<ReplicaInfo>(rows, ReadReplica));
    for (ReplicaInfo& r : out) {
      r.deployment_uid = deployment_uid;
      r.pool = base;
    }
    return Status::Ok();
  }));
  for (ReplicaInfo& r : out) r = Observe(std::move(r));
  return out;
}

StatusOr<std::vector<ReplicaInfo>> SharedSimRuntime::ListAllReplicas() {
  std::vector<ReplicaInfo> out;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kSnapshot, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result rows, db.Exec(std::string("SELECT ") + kColumns +
                                          " FROM sim_replicas WHERE deployment_uid NOT LIKE"
                                          " 'pool:%' ORDER BY seq"));
    ASSIGN_OR_RETURN(out, pg::CollectRows<ReplicaInfo>(rows, ReadReplica));
    // A pool replica once per deployment it serves.
    ASSIGN_OR_RETURN(Result pools,
                     db.Exec("SELECT r.replica_id, a.deployment_uid, r.units, r.port, r.started,"
                             " a.base_model FROM sim_adapters a JOIN sim_replicas r"
                             " ON r.deployment_uid = 'pool:' || a.base_model ORDER BY r.seq"));
    for (int i = 0; i < pools.rows(); ++i) {
      ReplicaInfo view = ReadReplica(pg::Row(pools, i));
      view.pool = pools.Text(i, 5);
      out.push_back(std::move(view));
    }
    return Status::Ok();
  }));
  for (ReplicaInfo& r : out) r = Observe(std::move(r));
  return out;
}

Status SharedSimRuntime::AttachAdapter(const ReplicaSpec& spec) {
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    // One attacher per base model at a time, so a pool is started once.
    RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock(hashtext($1))",
                            Params().Text(kPoolPrefix + spec.base_model))
                        .status());
    ASSIGN_OR_RETURN(Result attached,
                     db.Exec("INSERT INTO sim_adapters (deployment_uid, base_model)"
                             " VALUES ($1, $2) ON CONFLICT DO NOTHING",
                             Params().Text(spec.deployment_uid).Text(spec.base_model)));
    if (attached.affected() == 0) return Status::Ok();
    ASSIGN_OR_RETURN(Result pool, db.Exec("SELECT 1 FROM sim_replicas WHERE deployment_uid = $1",
                                          Params().Text(kPoolPrefix + spec.base_model)));
    if (pool.rows() > 0) return Status::Ok();
    return Insert(db, kPoolPrefix + spec.base_model, 1, clock_.Now()).status();
  });
}

Status SharedSimRuntime::DetachAdapter(const std::string& deployment_uid) {
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result removed, db.Exec("DELETE FROM sim_adapters WHERE deployment_uid = $1"
                                             " RETURNING base_model",
                                             Params().Text(deployment_uid)));
    if (removed.rows() == 0) return Status::Ok();
    std::string base = removed.Text(0, 0);
    RETURN_IF_ERROR(
        db.Exec("SELECT pg_advisory_xact_lock(hashtext($1))", Params().Text(kPoolPrefix + base))
            .status());
    ASSIGN_OR_RETURN(Result left, db.Exec("SELECT 1 FROM sim_adapters WHERE base_model = $1",
                                          Params().Text(base)));
    if (left.rows() > 0) return Status::Ok();
    return db
        .Exec("DELETE FROM sim_replicas WHERE deployment_uid = $1",
              Params().Text(kPoolPrefix + base))
        .status();
  });
}

}  // namespace berth
