#include "service/usage_summary.h"

#include <map>

namespace berth {

void AddUsage(const UsageRecord& record, UsageTotals& totals) {
  ++totals.requests;
  totals.input_tokens += record.input_tokens;
  totals.output_tokens += record.output_tokens;
  totals.streamed += record.streamed ? 1 : 0;
  totals.ptu_requests += record.ptu && !record.overflow ? 1 : 0;
  totals.overflow_requests += record.overflow ? 1 : 0;
  totals.errors += record.http_status >= 400 ? 1 : 0;
  totals.aborted += record.aborted ? 1 : 0;
  totals.latency_ms_sum += record.latency_ms;
}

UsageSummary SummarizeUsage(const std::vector<UsageRecord>& records) {
  std::map<SystemTime, UsageTotals> by_hour;
  UsageSummary summary;
  for (const UsageRecord& r : records) {
    SystemTime hour = std::chrono::floor<std::chrono::hours>(r.time);
    AddUsage(r, by_hour[hour]);
    AddUsage(r, summary.totals);
  }
  for (auto& [hour, totals] : by_hour) summary.hours.push_back({hour, totals});
  return summary;
}

void AddTotals(const UsageTotals& from, UsageTotals& into) {
  into.requests += from.requests;
  into.input_tokens += from.input_tokens;
  into.output_tokens += from.output_tokens;
  into.streamed += from.streamed;
  into.ptu_requests += from.ptu_requests;
  into.overflow_requests += from.overflow_requests;
  into.errors += from.errors;
  into.aborted += from.aborted;
  into.latency_ms_sum += from.latency_ms_sum;
}

UsageSummary SummarizeHours(std::vector<UsageHour> hours) {
  UsageSummary summary;
  for (const UsageHour& h : hours) AddTotals(h.totals, summary.totals);
  summary.hours = std::move(hours);
  return summary;
}

}  // namespace berth
