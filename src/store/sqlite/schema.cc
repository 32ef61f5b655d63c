#include "store/sqlite/schema.h"

namespace berth::sqlite {
namespace {

// Version 1. Times are unix milliseconds; enums are stored by their API names so the file
// reads well in the sqlite3 shell. Optional fields are nullable columns.
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
  enable_thinking INTEGER,
  max_context_length INTEGER,
  rpm_limit INTEGER,
  tpm_limit INTEGER,
  ptu_input_tpm INTEGER,
  ptu_output_tpm INTEGER,
  ptu_thinking_output_tpm INTEGER,
  overflow_strategy TEXT NOT NULL,
  desired TEXT NOT NULL,
  status TEXT NOT NULL,
  fail_reason TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  version INTEGER NOT NULL
) STRICT;
CREATE INDEX deployments_by_workspace ON deployments (workspace_id, created DESC, deployed_model);

CREATE TABLE deployment_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL,
  deployed_model TEXT NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  ready_capacity INTEGER NOT NULL,
  actor TEXT NOT NULL
) STRICT;
CREATE INDEX deployment_events_by_uid ON deployment_events (uid, seq);

CREATE TABLE workspaces (
  workspace_id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
  key_id TEXT NOT NULL PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  admin INTEGER NOT NULL,
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE custom_models (
  model_name TEXT NOT NULL PRIMARY KEY,
  base_model TEXT NOT NULL,
  plans TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE usage_records (
  id INTEGER PRIMARY KEY,
  deployed_model TEXT NOT NULL,
  deployment_uid TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  ptu INTEGER NOT NULL,
  overflow INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  streamed INTEGER NOT NULL,
  aborted INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_by_deployment_time ON usage_records (deployed_model, time);
)sql";

// Version 2, for billing: events record the ptu capacity they leave behind (a scale changes
// it); usage records say whether their output was thinking output; `incarnations` keeps the
// facts of every incarnation past its deletion. Incarnations deleted before this migration
// are not recoverable (their plan and spec were never kept), so the backfill covers the live
// deployments only.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE deployment_events ADD COLUMN ptu_input_tpm INTEGER;
ALTER TABLE deployment_events ADD COLUMN ptu_output_tpm INTEGER;
ALTER TABLE deployment_events ADD COLUMN ptu_thinking_output_tpm INTEGER;
ALTER TABLE usage_records ADD COLUMN thinking INTEGER NOT NULL DEFAULT 0;

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
  ptu_input_tpm INTEGER,
  ptu_output_tpm INTEGER,
  ptu_thinking_output_tpm INTEGER,
  created INTEGER NOT NULL,
  deleted INTEGER
) STRICT;
CREATE INDEX incarnations_by_workspace ON incarnations (workspace_id, created);

INSERT INTO incarnations
  SELECT uid, deployed_model, workspace_id, model_name, plan, model_unit_spec, base_capacity,
         charge_type, billing_method, ptu_input_tpm, ptu_output_tpm, ptu_thinking_output_tpm,
         created, NULL
  FROM deployments;
)sql";

// Version 3, for listing at scale: the number of deployments per workspace and plan, kept by
// triggers in the same transaction as the rows, so a page's `total` is one lookup instead of
// counting the workspace's rows (which read every one of them). And an index that serves the
// plan-filtered page in order.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE deployment_counts (
  workspace_id TEXT NOT NULL,
  plan TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, plan)
) STRICT, WITHOUT ROWID;
INSERT INTO deployment_counts
  SELECT workspace_id, plan, COUNT(*) FROM deployments GROUP BY workspace_id, plan;

CREATE TRIGGER deployment_counts_insert AFTER INSERT ON deployments BEGIN
  INSERT INTO deployment_counts VALUES (NEW.workspace_id, NEW.plan, 1)
    ON CONFLICT (workspace_id, plan) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deployment_counts_delete AFTER DELETE ON deployments BEGIN
  UPDATE deployment_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND plan = OLD.plan;
END;
CREATE TRIGGER deployment_counts_update AFTER UPDATE OF workspace_id, plan ON deployments
  WHEN OLD.workspace_id IS NOT NEW.workspace_id OR OLD.plan IS NOT NEW.plan BEGIN
  UPDATE deployment_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND plan = OLD.plan;
  INSERT INTO deployment_counts VALUES (NEW.workspace_id, NEW.plan, 1)
    ON CONFLICT (workspace_id, plan) DO UPDATE SET n = n + 1;
END;

CREATE INDEX deployments_by_workspace_plan
  ON deployments (workspace_id, plan, created DESC, deployed_model);
)sql";

// Version 4: a usage row may stand for several requests (MergeUsage): `requests` counts them,
// and its tokens and latency are their sums. Every row before it is one request.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE usage_records ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;
)sql";

Status ApplyPending(Connection& db, const std::vector<Migration>& migrations) {
  ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return FailedPrecondition("database schema version " + std::to_string(current) +
                              " is newer than this berth understands (" + std::to_string(newest) +
                              "); upgrade berth");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Status applied = db.Exec(migration.sql);
    if (!applied.ok()) {
      return Status(applied.code(), "schema migration " + std::to_string(migration.version) + ": " +
                                        applied.message());
    }
    // PRAGMA takes no parameters; the version is an int we control.
    RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(migration.version)));
  }
  return Status::Ok();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kSchemaV1},
      {2, kSchemaV2},
      {3, kSchemaV3},
      {4, kSchemaV4},
  };
  return migrations;
}

StatusOr<int> SchemaVersion(Connection& db) {
  ASSIGN_OR_RETURN(Statement pragma, db.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, pragma.Step());
  if (!row) return Internal("PRAGMA user_version returned no row");
  return static_cast<int>(pragma.Int(0));
}

Status Migrate(Connection& db, const std::vector<Migration>& migrations) {
  // IMMEDIATE: a second berth opening the same file waits instead of migrating concurrently.
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status status = ApplyPending(db, migrations);
  if (!status.ok()) {
    if (db.InTransaction()) (void)db.Exec("ROLLBACK");
    return status;
  }
  return db.Exec("COMMIT");
}

}  // namespace berth::sqlite
