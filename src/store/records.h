// Records the store keeps besides deployments, workspaces and API keys (core/workspace.h):
// custom models and usage.
// Plain values, safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/deployment.h"
#include "core/workspace.h"

namespace berth {

struct CustomModel {
  std::string model_name;
  std::string base_model;
  std::vector<Plan> plans;
  SystemTime created;
};

// One admitted inference request, as metered by the gateway; or, as stored, the requests that
// share every field but their tokens and latency (the same millisecond, deployment, key, status
// and flags: MergeUsage), with `requests` counting them and those three summed.
struct UsageRecord {
  std::string deployed_model;
  std::string deployment_uid;
  std::string workspace_id;
  std::string key_id;
  SystemTime time;
  int64_t requests = 1;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool thinking = false;  // the output tokens were thinking output (billed at its own price)
  bool ptu = false;
  bool overflow = false;
  int http_status = 200;
  int64_t latency_ms = 0;  // summed over `requests`
  bool streamed = false;
  bool aborted = false;
};

// Usage records summed: a deployment's hour, or a whole period.
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

// The usage records of one deployment incarnation with start <= time < end.
struct UsageQuery {
  std::string deployed_model;
  std::string deployment_uid;
  SystemTime start;
  SystemTime end;
};

}  // namespace berth
