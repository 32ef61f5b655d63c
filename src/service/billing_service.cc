#include "service/billing_service.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace berth {
namespace {

void AddTotals(const BillingLine& line, BillingReport& report) {
  if (line.unit_price) {
    report.total_amount += line.amount;
    return;
  }
  ++report.unpriced_lines;
  report.unpriced_tokens += line.tokens;
}

}  // namespace

BillingService::BillingService(Store& store, const ModelRegistry& models, const Clock& clock,
                               std::string currency)
    : store_(store), models_(models), clock_(clock), currency_(std::move(currency)) {}

StatusOr<IncarnationHistory> BillingService::LoadHistory(const Incarnation& incarnation,
                                                         const BillingQuery& query) const {
  IncarnationHistory history;
  history.incarnation = incarnation;
  ASSIGN_OR_RETURN(history.events, store_.ListEvents(incarnation.uid));
  // Summed per hour by the store; a re-created name's usage belongs to its own incarnation.
  ASSIGN_OR_RETURN(history.usage,
                   store_.SumTokensByHour(
                       {incarnation.deployed_model, incarnation.uid, query.start, query.end}));
  return history;
}

Status BillingService::ValidateRange(const BillingQuery& query) {
  if (query.end <= query.start) return InvalidArgument("end must be later than start");
  if (query.end - query.start > kMaxRange) {
    return InvalidArgument("the range from start to end must not exceed 31 days");
  }
  return Status::Ok();
}

StatusOr<BillingReport> BillingService::Report(const Caller& caller,
                                               const BillingQuery& query) const {
  RETURN_IF_ERROR(ValidateRange(query));
  ASSIGN_OR_RETURN(std::vector<Incarnation> incarnations,
                   store_.ListIncarnations(caller.workspace_id, query.start, query.end));
  BillingReport report{query.start, query.end, currency_, {}, 0, 0, 0};
  const BillingWindow window{query.start, query.end, clock_.Now()};
  for (const Incarnation& incarnation : incarnations) {
    if (query.deployed_model && *query.deployed_model != incarnation.deployed_model) continue;
    ASSIGN_OR_RETURN(IncarnationHistory history, LoadHistory(incarnation, query));
    std::optional<CatalogModel> model = models_.Find(incarnation.model_name);
    std::vector<BillingLine> lines = BillIncarnation(history, model ? &*model : nullptr, window);
    report.lines.insert(report.lines.end(), lines.begin(), lines.end());
  }
  // Incarnations come oldest first and each one's lines by hour, then item; a stable sort
  // keeps those orders within an hour and a deployed_model.
  std::stable_sort(report.lines.begin(), report.lines.end(),
                   [](const BillingLine& a, const BillingLine& b) {
                     return std::tie(a.hour, a.deployed_model) < std::tie(b.hour, b.deployed_model);
                   });
  for (const BillingLine& line : report.lines) AddTotals(line, report);
  return report;
}

std::optional<double> BillingService::EstimateHourlyCost(const Deployment& d) const {
  std::optional<CatalogModel> model = models_.Find(d.model_name);
  if (!model) return std::nullopt;
  return berth::EstimateHourlyCost(d, *model);
}

}  // namespace berth
