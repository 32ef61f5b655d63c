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

}  // namespace berth
