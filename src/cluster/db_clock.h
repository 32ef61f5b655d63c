// The database's clock for the cluster's SQL: every instance measures leases and grants by it,
// so their own clocks may disagree. Pure; any thread.
#pragma once

#include <string>

namespace berth {

// `sql` with every NOW_MS replaced by the database's clock in unix milliseconds.
inline std::string WithDbNow(std::string sql) {
  constexpr const char* kNowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
  for (size_t at = sql.find("NOW_MS"); at != std::string::npos; at = sql.find("NOW_MS")) {
    sql.replace(at, 6, kNowMs);
  }
  return sql;
}

}  // namespace berth
