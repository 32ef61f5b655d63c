// Connection and Statement: a thin RAII layer over one sqlite3 connection and its cached
// prepared statements, turning sqlite result codes into Status at this edge. Not thread-safe: a
// connection is used by one thread at a time (the writer thread, or a reader holding a lease).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace berth::sqlite {

// The Status for sqlite result code `rc` on `db` (which may be null), prefixed by `context`:
// unique/primary-key violations → AlreadyExists, foreign-key → FailedPrecondition, busy, locked,
// full disk, I/O and open errors → Unavailable, anything else → Internal. The message carries
// sqlite's own text.
Status ErrorStatus(sqlite3* db, int rc, std::string_view context);

// A prepared statement borrowed from its Connection's cache for one execution. Destruction
// resets it, which ends the implicit read transaction of a SELECT and readies it for reuse.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL's ?N. A failed bind is reported by the next Step/Run.
  void BindText(int index, std::string_view value);
  // As BindText, without SQLite's copy: `value` must outlive this Statement (whose destruction
  // clears the bindings).
  void BindStaticText(int index, std::string_view value);
  void BindInt(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindNull(int index);
  void BindOptionalInt(int index, const std::optional<int64_t>& value);

  // Steps once: true when a row is ready to read, false when the statement is done.
  StatusOr<bool> Step();
  // Steps to completion; for statements that return no rows.
  Status Run();

  // Columns of the current row are 0-based.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens (and with `read_only` false, creates) the database file at `path` and applies the
  // pragmas every berth connection uses: WAL, synchronous=FULL, foreign keys, busy timeout.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements that return no rows.
  Status Exec(const std::string& sql);
  // Runs one statement that returns no rows from the cache: for those run often (BEGIN, COMMIT,
  // SAVEPOINT), which Exec would parse every time.
  Status Run(const std::string& sql);
  // The cached statement for `sql`, prepared on first use.
  StatusOr<Statement> Prepare(const std::string& sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // True while an explicit transaction is open (false also after sqlite rolled one back).
  bool InTransaction() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Configure(bool read_only);
  Status EnableWal();

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace berth::sqlite
