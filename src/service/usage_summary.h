// Hourly totals of a deployment's usage records, for GET /api/v1/deployments/{id}/usage. The
// store sums the records per hour (Store::SumUsageByHour); these pure functions add those hours
// up (and, for tests and small sets, sum records themselves). Any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "store/records.h"

namespace berth {

struct UsageSummary {
  std::vector<UsageHour> hours;  // hours with at least one record, oldest first
  UsageTotals totals;
};

// Adds `record` to `totals`.
void AddUsage(const UsageRecord& record, UsageTotals& totals);
// Groups records by the UTC hour of their time.
UsageSummary SummarizeUsage(const std::vector<UsageRecord>& records);
// Adds `from` to `into`.
void AddTotals(const UsageTotals& from, UsageTotals& into);
// The summary of hours already summed (oldest first): those hours and their totals.
UsageSummary SummarizeHours(std::vector<UsageHour> hours);

}  // namespace berth
