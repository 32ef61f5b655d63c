#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>

namespace berth::pg {
namespace {

// Maps a failed result to a Status by its SQLSTATE class (PostgreSQL appendix A).
Status ErrorStatus(const PGresult* result, pg_conn* conn) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string code = state ? state : "";
  if (code.empty() || PQstatus(conn) != CONNECTION_OK || code.rfind("08", 0) == 0 ||
      code.rfind("57P", 0) == 0 || code == "53300") {
    return Unavailable("postgresql: " + message);
  }
  if (code == "23505") return AlreadyExists("postgresql: " + message);
  if (code == "40001" || code == "40P01") return Aborted("postgresql: " + message);
  if (code.rfind("22", 0) == 0) return InvalidArgument("postgresql: " + message);
  return Internal("postgresql " + code + ": " + message);
}

}  // namespace

void Result::Free::operator()(pg_result* r) const { PQclear(r); }

Result::Result(pg_result* result) : result_(result) {}

int Result::rows() const { return PQntuples(result_.get()); }

int64_t Result::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string Result::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     PQgetlength(result_.get(), row, column));
}

int64_t Result::Int(int row, int column) const {
  if (IsNull(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

std::optional<int64_t> Result::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

bool Result::Bool(int row, int column) const {
  const char* v = PQgetvalue(result_.get(), row, column);
  return v[0] == 't' || (v[0] >= '1' && v[0] <= '9');
}

StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Unavailable("postgresql: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Unavailable("postgresql: cannot connect: " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep stderr quiet.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

StatusOr<Result> Connection::Exec(const std::string& sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::optional<std::string>& v : params.values()) {
    values.push_back(v ? v->c_str() : nullptr);
  }
  PGresult* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status error = ErrorStatus(raw, conn_);
    PQclear(raw);
    return error;
  }
  return Result(raw);
}

Status Connection::ExecScript(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  Status out = Status::Ok();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) out = ErrorStatus(result, conn_);
  PQclear(result);
  return out;
}

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

bool Connection::idle() const { return healthy() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

int Connection::socket() const { return PQsocket(conn_); }

StatusOr<std::vector<Connection::Notification>> Connection::DrainNotifications() {
  if (PQconsumeInput(conn_) == 0) {
    return Unavailable(std::string("postgresql: connection lost: ") + PQerrorMessage(conn_));
  }
  std::vector<Notification> notifications;
  while (PGnotify* notify = PQnotifies(conn_)) {
    notifications.push_back({notify->relname, notify->extra});
    PQfreemem(notify);
  }
  return notifications;
}

}  // namespace berth::pg
