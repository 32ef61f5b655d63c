#include "api/usage_routes.h"

#include "api/query_time.h"
#include "common/time_format.h"

namespace berth {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr auto kDefaultPeriod = std::chrono::hours(24);
constexpr auto kMaxPeriod = std::chrono::hours(24 * 31);

// `first` (e.g. the hour) goes before the totals.
OrderedJson EncodeTotals(const UsageTotals& t, OrderedJson first = OrderedJson::object()) {
  OrderedJson out = std::move(first);
  out.update(OrderedJson{{"requests", t.requests},
                         {"input_tokens", t.input_tokens},
                         {"output_tokens", t.output_tokens},
                         {"total_tokens", t.input_tokens + t.output_tokens},
                         {"streamed", t.streamed},
                         {"ptu_requests", t.ptu_requests},
                         {"overflow_requests", t.overflow_requests},
                         {"errors", t.errors},
                         {"aborted", t.aborted},
                         {"avg_latency_ms", t.requests > 0 ? t.latency_ms_sum / t.requests : 0}});
  return out;
}

StatusOr<OrderedJson> GetUsage(const ApiCall& call, DeploymentService& deployments,
                               const Clock& clock, const UsageFlushFn& flush_usage) {
  ASSIGN_OR_RETURN(SystemTime end, QueryTime(call, "end", clock.Now()));
  ASSIGN_OR_RETURN(SystemTime start, QueryTime(call, "start", end - kDefaultPeriod));
  if (end <= start) return InvalidArgument("end must be after start");
  if (end - start > kMaxPeriod) return InvalidArgument("the period may be at most 31 days");
  if (flush_usage) flush_usage();
  ASSIGN_OR_RETURN(UsageSummary summary,
                   deployments.Usage(call.caller, call.params[0], start, end));
  OrderedJson hours = OrderedJson::array();
  for (const UsageHour& h : summary.hours) {
    hours.push_back(EncodeTotals(h.totals, OrderedJson{{"hour", FormatApiTime(h.hour)}}));
  }
  return OrderedJson{{"deployed_model", call.params[0]},
                     {"start", FormatApiTime(start)},
                     {"end", FormatApiTime(end)},
                     {"hours", std::move(hours)},
                     {"totals", EncodeTotals(summary.totals)}};
}

}  // namespace

void AddUsageRoutes(RouteTable& table, DeploymentService& deployments, const Clock& clock,
                    UsageFlushFn flush_usage) {
  DeploymentService* svc = &deployments;
  const Clock* time = &clock;
  table.Add({"GET",
             "/api/v1/deployments/{id}/usage",
             Access::kUser,
             BodyRule::kNone,
             [svc, time, flush = std::move(flush_usage)](const ApiCall& call) {
               return GetUsage(call, *svc, *time, flush);
             },
             {}});
}

}  // namespace berth
