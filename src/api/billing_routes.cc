#include "api/billing_routes.h"

#include "api/billing_codec.h"
#include "common/time_format.h"

namespace berth {
namespace {

// A required time query parameter in the API's time form.
StatusOr<SystemTime> QueryTime(const ApiCall& call, const std::string& name) {
  const std::string* text = call.Query(name);
  if (text == nullptr || text->empty()) {
    return InvalidArgument(name + " is required, e.g. " + name + "=2026-11-23T10:00:00.000");
  }
  StatusOr<SystemTime> time = ParseApiTime(*text);
  if (!time.ok()) {
    return InvalidArgument(name + " must be a UTC time like 2026-11-23T10:00:00.000 or a date " +
                           "like 2026-11-23, got '" + *text + "'");
  }
  return time;
}

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
