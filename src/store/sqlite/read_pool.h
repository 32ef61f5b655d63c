// ReadPool: read-only connections to the database, each lent to one thread at a time. WAL lets
// them read while the writer writes, and every read begins after the commits that preceded it,
// so a reader sees every acknowledged write. Acquire is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

class ReadPool {
 public:
  // Keeps up to `max_idle` connections open between reads; more are opened under load.
  ReadPool(std::string path, size_t max_idle);

  // A connection on loan; it goes back to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> connection);

  const std::string path_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace berth::sqlite
