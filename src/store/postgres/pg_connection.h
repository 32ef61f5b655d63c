// The libpq edge: one PostgreSQL connection, query parameters and results as values, and the
// mapping of PostgreSQL errors to Status. Every value is text (libpq's text format); the codec
// converts. A Connection is used by one thread at a time (the pool hands it out).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace berth::pg {

// Positional parameters $1, $2, ... in order of Add*; nullopt is SQL NULL.
class Params {
 public:
  Params& Text(std::string_view v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  Params& Int(int64_t v) {
    values_.emplace_back(std::to_string(v));
    return *this;
  }
  Params& Bool(bool v) {
    values_.emplace_back(v ? "t" : "f");
    return *this;
  }
  Params& OptionalInt(const std::optional<int64_t>& v) {
    if (v) return Int(*v);
    values_.emplace_back(std::nullopt);
    return *this;
  }
  Params& Null() {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one statement. Column values are read as text and converted on access.
class Result {
 public:
  explicit Result(pg_result* result);
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;

  int rows() const;
  int64_t affected() const;  // rows an INSERT / UPDATE / DELETE changed
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;  // 0 for NULL
  std::optional<int64_t> OptionalInt(int row, int column) const;
  bool Bool(int row, int column) const;  // "t" or a non-zero number

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> result_;
};

class Connection {
 public:
  // Connects with `conninfo` (a postgresql:// URL or key=value string). Unavailable if the
  // server cannot be reached or refuses the login.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement. Errors: AlreadyExists (unique violation), Aborted (serialization
  // failure or deadlock), Unavailable (connection lost, server shutting down), InvalidArgument
  // (bad value), Internal (anything else, a bug in our SQL).
  StatusOr<Result> Exec(const std::string& sql, const Params& params = {});
  // Runs statements with no parameters (may be several separated by ';').
  Status ExecScript(const std::string& sql);
  // False once the connection is lost; the pool then drops it.
  bool healthy() const;
  // True when connected and outside any transaction: safe to hand to the next caller.
  bool idle() const;
  // The socket, for waiting on notifications; -1 if closed.
  int socket() const;
  // Reads what the server has sent and returns the pending notifications.
  // Unavailable if the connection is lost.
  struct Notification {
    std::string channel;
    std::string payload;
  };
  StatusOr<std::vector<Notification>> DrainNotifications();

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
};

}  // namespace berth::pg
