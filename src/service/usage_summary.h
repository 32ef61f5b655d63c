// Hourly totals of a deployment's usage records, for GET /api/v1/deployments/{id}/usage.
// Pure (no store access): the caller reads the records and passes them in.
#pragma once

#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "store/records.h"

namespace berth {

struct UsageTotals {
  int64_t requests = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t streamed = 0;
  int64_t ptu_requests = 0;       // served from purchased PTU quota
  int64_t overflow_requests = 0;  // PTU requests served pay-as-you-go
  int64_t errors = 0;             // answered with a status >= 400
  int64_t aborted = 0;            // the client left mid-stream
  int64_t latency_ms_sum = 0;
};

struct UsageHour {
  SystemTime hour;  // the UTC hour's start
  UsageTotals totals;
};

struct UsageSummary {
  std::vector<UsageHour> hours;  // hours with at least one record, oldest first
  UsageTotals totals;
};

// Adds `record` to `totals`.
void AddUsage(const UsageRecord& record, UsageTotals& totals);
// Groups records by the UTC hour of their time.
UsageSummary SummarizeUsage(const std::vector<UsageRecord>& records);

}  // namespace berth
