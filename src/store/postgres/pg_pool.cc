#include "store/postgres/pg_pool.h"

#include <utility>

namespace berth::pg {

Pool::Pool(std::string conninfo, size_t max_idle)
    : conninfo_(std::move(conninfo)), max_idle_(max_idle) {}

StatusOr<std::unique_ptr<Connection>> Pool::OpenDedicated() const {
  return Connection::Open(conninfo_);
}

StatusOr<std::unique_ptr<Connection>> Pool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return Connection::Open(conninfo_);
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  if (!connection->idle()) return;  // lost or mid-transaction: closed, never reused
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

Status Pool::Transact(TxMode mode, const std::function<Status(Connection&)>& body) {
  const char* begin =
      mode == TxMode::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  std::unique_ptr<Connection> connection;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(connection, Acquire());
    Status begun = connection->ExecScript(begin);
    if (begun.ok()) break;
    connection.reset();
    // Only a dead pooled connection is worth a second try; nothing was sent that could land.
    if (begun.code() != StatusCode::kUnavailable || attempt == 1) return begun;
  }
  Status status = body(*connection);
  if (status.ok()) {
    status = connection->ExecScript("COMMIT");
  } else if (connection->healthy()) {
    (void)connection->ExecScript("ROLLBACK");
  }
  Release(std::move(connection));
  return status;
}

}  // namespace berth::pg
