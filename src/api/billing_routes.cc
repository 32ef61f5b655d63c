#include "api/billing_routes.h"

#include "api/billing_codec.h"
#include "api/query_time.h"

namespace berth {
namespace {

// 00:00 UTC on the first day of `t`'s month.
SystemTime MonthStart(SystemTime t) {
  std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(t)};
  return std::chrono::sys_days{day.year() / day.month() / 1};
}

StatusOr<nlohmann::ordered_json> GetBilling(const ApiCall& call, const BillingService& billing,
                                            const Clock& clock, const UsageFlushFn& flush_usage) {
  BillingQuery query;
  // By default: this calendar month (UTC) so far.
  ASSIGN_OR_RETURN(query.end, QueryTime(call, "end", clock.Now()));
  ASSIGN_OR_RETURN(query.start, QueryTime(call, "start", MonthStart(query.end)));
  if (const std::string* only = call.Query("deployed_model"); only && !only->empty()) {
    query.deployed_model = *only;
  }
  RETURN_IF_ERROR(BillingService::ValidateRange(query));
  if (flush_usage) flush_usage();
  ASSIGN_OR_RETURN(BillingReport report, billing.Report(call.caller, query));
  return EncodeBillingReport(report);
}

}  // namespace

void AddBillingRoutes(RouteTable& table, const BillingService& billing, const Clock& clock,
                      UsageFlushFn flush_usage) {
  const BillingService* svc = &billing;
  const Clock* time = &clock;
  table.Add({"GET",
             "/api/v1/billing",
             Access::kUser,
             BodyRule::kNone,
             [svc, time, flush = std::move(flush_usage)](const ApiCall& call) {
               return GetBilling(call, *svc, *time, flush);
             },
             {}});
}

}  // namespace berth
