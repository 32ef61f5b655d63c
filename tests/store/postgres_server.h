// A real PostgreSQL 15 server for tests: initdb in a temporary directory, postgres on a free
// loopback port (run as the `postgres` user when the test runs as root, since the server
// refuses root), stopped by pid and its directory removed on destruction. Test code only;
// one thread at a time.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace berth::testing {

class PostgresServer {
 public:
  // initdb + start; Unavailable with the server's log if it does not come up in 30 s.
  static StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new empty database, for one test; returns its connection URL.
  StatusOr<std::string> CreateDatabase();
  std::string Url(const std::string& database) const;
  int port() const { return port_; }

  // Stops the server (SIGTERM, fast shutdown) and starts it again on the same port and data.
  Status Stop();
  Status Restart();

 private:
  PostgresServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  Status Launch();

  std::string dir_;
  int port_;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// The server shared by every test of this binary: started at first use, stopped at exit.
PostgresServer& SharedPostgres();

}  // namespace berth::testing
