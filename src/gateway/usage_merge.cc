#include "gateway/usage_merge.h"

#include <algorithm>

#include "common/clock.h"

namespace berth {
namespace {

// Everything but the counts: cheap fields first.
bool SameRow(const UsageRecord& row, const UsageRecord& r, int64_t r_ms) {
  return ToUnixMillis(row.time) == r_ms && row.http_status == r.http_status && row.ptu == r.ptu &&
         row.overflow == r.overflow && row.thinking == r.thinking && row.streamed == r.streamed &&
         row.aborted == r.aborted && row.key_id == r.key_id &&
         row.deployment_uid == r.deployment_uid && row.deployed_model == r.deployed_model &&
         row.workspace_id == r.workspace_id;
}

}  // namespace

void MergeUsage(std::span<const UsageRecord> records, std::vector<UsageRecord>& rows) {
  size_t used = 0;
  size_t millisecond_start = 0;  // the first row of the last record's millisecond
  for (const UsageRecord& r : records) {
    const int64_t ms = ToUnixMillis(r.time);
    if (used > 0 && ToUnixMillis(rows[used - 1].time) != ms) millisecond_start = used;
    auto first = rows.begin() + static_cast<ptrdiff_t>(millisecond_start);
    auto end = rows.begin() + static_cast<ptrdiff_t>(used);
    auto same =
        std::find_if(first, end, [&](const UsageRecord& row) { return SameRow(row, r, ms); });
    if (same != end) {
      same->requests += r.requests;
      same->input_tokens += r.input_tokens;
      same->output_tokens += r.output_tokens;
      same->latency_ms += r.latency_ms;
      continue;
    }
    if (used == rows.size()) rows.emplace_back();
    rows[used++] = r;
  }
  rows.resize(used);
}

}  // namespace berth
