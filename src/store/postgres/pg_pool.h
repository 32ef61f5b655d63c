// A pool of PostgreSQL connections to one database and the transaction helper every
// PostgresStore method uses. Thread-safe: any worker thread may run transactions at once, each
// on its own connection. Blocking; never call from a network thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/postgres/pg_connection.h"

namespace berth::pg {

enum class TxMode {
  kWrite,     // READ COMMITTED: writes guard themselves with WHERE version = ...
  kSnapshot,  // REPEATABLE READ READ ONLY: several reads see one snapshot
};

class Pool {
 public:
  Pool(std::string conninfo, size_t max_idle);

  // Runs `body` inside BEGIN ... COMMIT on a pooled connection; ROLLBACK when it fails. A
  // connection found dead at BEGIN (the server restarted) is replaced once, so a restart costs
  // no error once the server is back. Unavailable while the server is unreachable; a COMMIT
  // whose answer is lost is Unavailable too (the write may or may not have landed).
  Status Transact(TxMode mode, const std::function<Status(Connection&)>& body);

  // Opens a connection that is not pooled (LISTEN, schema migration).
  StatusOr<std::unique_ptr<Connection>> OpenDedicated() const;

 private:
  StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> connection);

  const std::string conninfo_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace berth::pg
