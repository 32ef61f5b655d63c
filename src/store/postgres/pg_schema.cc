#include "store/postgres/pg_schema.h"

#include <string>

namespace berth::pg {
namespace {

// Any constant shared by every berth: the advisory lock serialising migrations.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7236051241)";

// Version 1: the shape SQLite reaches at its version 2. Times are unix milliseconds and enums
// their API names, as in SQLite, so both stores read alike; flags are booleans.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE deployments (
  deployed_model TEXT NOT NULL PRIMARY KEY,
  uid TEXT NOT NULL,
  name TEXT NOT NULL,
  model_name TEXT NOT NULL,
  base_model TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  plan TEXT NOT NULL,
  model_unit_spec TEXT NOT NULL,
  base_capacity INTEGER NOT NULL,
  capacity INTEGER NOT NULL,
  ready_capacity INTEGER NOT NULL,
  charge_type TEXT NOT NULL,
  billing_method TEXT NOT NULL,
  creator TEXT NOT NULL,
  modifier TEXT NOT NULL,
  enable_thinking BOOLEAN,
  max_context_length BIGINT,
  rpm_limit BIGINT,
  tpm_limit BIGINT,
  ptu_input_tpm BIGINT,
  ptu_output_tpm BIGINT,
  ptu_thinking_output_tpm BIGINT,
  overflow_strategy TEXT NOT NULL,
  desired TEXT NOT NULL,
  status TEXT NOT NULL,
  fail_reason TEXT NOT NULL,
  created BIGINT NOT NULL,
  modified BIGINT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX deployments_by_workspace ON deployments (workspace_id, created DESC, deployed_model);

CREATE TABLE deployment_events (
  seq BIGSERIAL PRIMARY KEY,
  uid TEXT NOT NULL,
  deployed_model TEXT NOT NULL,
  time BIGINT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  ready_capacity INTEGER NOT NULL,
  actor TEXT NOT NULL,
  ptu_input_tpm BIGINT,
  ptu_output_tpm BIGINT,
  ptu_thinking_output_tpm BIGINT
);
CREATE INDEX deployment_events_by_uid ON deployment_events (uid, seq);

CREATE TABLE incarnations (
  uid TEXT NOT NULL PRIMARY KEY,
  deployed_model TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  model_name TEXT NOT NULL,
  plan TEXT NOT NULL,
  model_unit_spec TEXT NOT NULL,
  base_capacity INTEGER NOT NULL,
  charge_type TEXT NOT NULL,
  billing_method TEXT NOT NULL,
  ptu_input_tpm BIGINT,
  ptu_output_tpm BIGINT,
  ptu_thinking_output_tpm BIGINT,
  created BIGINT NOT NULL,
  deleted BIGINT
);
CREATE INDEX incarnations_by_workspace ON incarnations (workspace_id, created);

CREATE TABLE workspaces (
  workspace_id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE api_keys (
  key_id TEXT NOT NULL PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  admin BOOLEAN NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE custom_models (
  model_name TEXT NOT NULL PRIMARY KEY,
  base_model TEXT NOT NULL,
  plans TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE usage_records (
  id BIGSERIAL PRIMARY KEY,
  deployed_model TEXT NOT NULL,
  deployment_uid TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  time BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  ptu BOOLEAN NOT NULL,
  overflow BOOLEAN NOT NULL,
  http_status INTEGER NOT NULL,
  latency_ms BIGINT NOT NULL,
  streamed BOOLEAN NOT NULL,
  aborted BOOLEAN NOT NULL,
  thinking BOOLEAN NOT NULL
);
CREATE INDEX usage_by_deployment_time ON usage_records (deployed_model, time);
)sql";

// Version 2, for several instances on one database (src/cluster/): each instance's heartbeat,
// and the reconciler lease with its fencing term.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE cluster_instances (
  instance_id TEXT NOT NULL PRIMARY KEY,
  address TEXT NOT NULL,
  hostname TEXT NOT NULL,
  runtime TEXT NOT NULL,
  started BIGINT NOT NULL,
  heartbeat BIGINT NOT NULL
);

CREATE TABLE cluster_lease (
  name TEXT NOT NULL PRIMARY KEY,
  holder TEXT NOT NULL,
  term BIGINT NOT NULL,
  acquired BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
)sql";

// Version 3: the sim runtime's replicas when several instances share the database
// (cluster/shared_sim_runtime.h), so a new leader adopts them and every instance routes to them.
// A lora pool replica has deployment_uid "pool:<base model>"; sim_adapters says which
// deployments it serves.
constexpr const char* kSchemaV3 = R"sql(
CREATE SEQUENCE sim_replica_ids;
CREATE TABLE sim_replicas (
  replica_id TEXT NOT NULL PRIMARY KEY,
  deployment_uid TEXT NOT NULL,
  units INTEGER NOT NULL,
  port INTEGER NOT NULL,
  started BIGINT NOT NULL,
  seq BIGINT NOT NULL
);
CREATE INDEX sim_replicas_by_deployment ON sim_replicas (deployment_uid, seq);
CREATE TABLE sim_adapters (
  deployment_uid TEXT NOT NULL PRIMARY KEY,
  base_model TEXT NOT NULL
);
)sql";

// Version 4: the leased budgets of limits shared by several instances (cluster/budget_ledger.h):
// one row per grant, counted against its limit until `counts_until` (the database's clock, unix
// ms).
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE limit_grants (
  id BIGSERIAL PRIMARY KEY,
  scope TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  counts_until BIGINT NOT NULL
);
CREATE INDEX limit_grants_by_scope ON limit_grants (scope, kind, counts_until);
)sql";

// Version 5: a usage row may stand for several requests (MergeUsage): `requests` counts them,
// and its tokens and latency are their sums. Every row before it is one request.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE usage_records ADD COLUMN requests BIGINT NOT NULL DEFAULT 1;
)sql";

StatusOr<int> ReadVersion(Connection& db) {
  ASSIGN_OR_RETURN(Result result, db.Exec("SELECT max(version) FROM berth_schema"));
  return static_cast<int>(result.Int(0, 0));
}

Status ApplyPending(Connection& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.ExecScript(kMigrationLock));
  RETURN_IF_ERROR(
      db.ExecScript("CREATE TABLE IF NOT EXISTS berth_schema (version INTEGER NOT NULL)"));
  ASSIGN_OR_RETURN(int current, ReadVersion(db));
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return FailedPrecondition("database schema version " + std::to_string(current) +
                              " is newer than this berth understands (" + std::to_string(newest) +
                              "); upgrade berth");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Status applied = db.ExecScript(migration.sql);
    if (!applied.ok()) {
      return Status(applied.code(), "schema migration " + std::to_string(migration.version) + ": " +
                                        applied.message());
    }
    RETURN_IF_ERROR(
        db.Exec("INSERT INTO berth_schema (version) VALUES ($1)", Params().Int(migration.version))
            .status());
  }
  return Status::Ok();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4}, {5, kSchemaV5},
  };
  return migrations;
}

StatusOr<int> SchemaVersion(Connection& db) {
  ASSIGN_OR_RETURN(Result exists, db.Exec("SELECT to_regclass('berth_schema') IS NOT NULL"));
  if (!exists.Bool(0, 0)) return 0;
  return ReadVersion(db);
}

Status Migrate(Connection& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.ExecScript("BEGIN"));
  Status status = ApplyPending(db, migrations);
  if (!status.ok()) {
    if (db.healthy()) (void)db.ExecScript("ROLLBACK");
    return status;
  }
  return db.ExecScript("COMMIT");
}

}  // namespace berth::pg
