#include "api/billing_routes.h"

#include "api/billing_codec.h"
#include "api/query_time.h"

namespace berth {
namespace {

StatusOr<nlohmann::ordered_json> GetBilling(const ApiCall& call, const BillingService& billing) {
  BillingQuery query;
  ASSIGN_OR_RETURN(query.start, QueryTime(call, "start"));
  ASSIGN_OR_RETURN(query.end, QueryTime(call, "end"));
  if (const std::string* only = call.Query("deployed_model"); only && !only->empty()) {
    query.deployed_model = *only;
  }
  ASSIGN_OR_RETURN(BillingReport report, billing.Report(call.caller, query));
  return EncodeBillingReport(report);
}

}  // namespace

void AddBillingRoutes(RouteTable& table, const BillingService& billing) {
  const BillingService* svc = &billing;
  table.Add({"GET",
             "/api/v1/billing",
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) { return GetBilling(call, *svc); },
             {}});
}

}  // namespace berth
