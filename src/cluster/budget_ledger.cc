#include "cluster/budget_ledger.h"

#include <algorithm>
#include <utility>

#include "cluster/db_clock.h"
#include "store/postgres/pg_pool.h"

namespace berth {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;
using pg::TxMode;

}  // namespace

BudgetLedger::BudgetLedger(pg::Pool& pool, Millis window, Millis use)
    : pool_(pool), window_(window), use_(use) {}

StatusOr<LedgerLease> BudgetLedger::Lease(const std::string& scope, const std::string& kind,
                                          int64_t amount, int64_t limit) {
  LedgerLease lease;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    // Held until this transaction ends: one grant of (scope, kind) at a time.
    RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))",
                            Params().Text(scope).Text(kind))
                        .status());
    ASSIGN_OR_RETURN(Result counted,
                     db.Exec(WithDbNow("SELECT COALESCE(SUM(amount), 0)::bigint,"
                                       " COALESCE(MIN(counts_until) - NOW_MS, 0)::bigint"
                                       " FROM limit_grants WHERE scope = $1 AND kind = $2"
                                       " AND counts_until > NOW_MS"),
                             Params().Text(scope).Text(kind)));
    const int64_t free = limit - counted.Int(0, 0);
    if (free <= 0 || amount <= 0) {
      lease.retry_ms = std::max<int64_t>(0, counted.Int(0, 1));
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(
        Result granted,
        db.Exec(WithDbNow("INSERT INTO limit_grants (scope, kind, amount, counts_until)"
                          " VALUES ($1, $2, $3, NOW_MS + $4) RETURNING id, amount"),
                Params()
                    .Text(scope)
                    .Text(kind)
                    .Int(std::min(amount, free))
                    .Int((window_ + use_).count())));
    lease.id = granted.Int(0, 0);
    lease.amount = granted.Int(0, 1);
    return Status::Ok();
  }));
  return lease;
}

Status BudgetLedger::Finish(const std::vector<FinishedGrant>& grants) {
  if (grants.empty()) return Status::Ok();
  return pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    for (const FinishedGrant& grant : grants) {
      const int64_t unused_time = std::max<int64_t>(0, use_.count() - grant.used_ms);
      RETURN_IF_ERROR(db.Exec("UPDATE limit_grants SET amount = GREATEST(0, amount - $2),"
                              " counts_until = counts_until - $3 WHERE id = $1",
                              Params().Int(grant.id).Int(grant.unused).Int(unused_time))
                          .status());
    }
    return Status::Ok();
  });
}

StatusOr<int64_t> BudgetLedger::Sweep() {
  int64_t deleted = 0;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result result,
                     db.Exec(WithDbNow("DELETE FROM limit_grants WHERE counts_until <= NOW_MS")));
    deleted = result.affected();
    return Status::Ok();
  }));
  return deleted;
}

StatusOr<int64_t> BudgetLedger::Counted(const std::string& scope, const std::string& kind) {
  int64_t counted = 0;
  RETURN_IF_ERROR(pool_.Transact(TxMode::kWrite, [&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Result result,
                     db.Exec(WithDbNow("SELECT COALESCE(SUM(amount), 0)::bigint FROM limit_grants"
                                       " WHERE scope = $1 AND kind = $2 AND counts_until > NOW_MS"),
                             Params().Text(scope).Text(kind)));
    counted = result.Int(0, 0);
    return Status::Ok();
  }));
  return counted;
}

}  // namespace berth
