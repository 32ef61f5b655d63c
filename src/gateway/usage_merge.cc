#include "gateway/usage_merge.h"

#include <algorithm>

#include "common/clock.h"

namespace berth {
namespace {

// Everything but the time (the caller compares rows of the record's millisecond only) and the
// counts: cheap fields first.
bool SameRow(const UsageRecord& row, const UsageRecord& r) {
  return row.http_status == r.http_status && row.ptu == r.ptu && row.overflow == r.overflow &&
         row.thinking == r.thinking && row.streamed == r.streamed && row.aborted == r.aborted &&
         row.key_id == r.key_id && row.deployment_uid == r.deployment_uid &&
         row.deployed_model == r.deployed_model && row.workspace_id == r.workspace_id;
}

}  // namespace

void MergeUsage(std::span<const UsageRecord> records, std::vector<UsageRecord>& rows) {
  size_t used = 0;
  // rows[millisecond_start, used) are the rows of the last record's millisecond.
  size_t millisecond_start = 0;
  for (const UsageRecord& r : records) {
    if (used > 0 && ToUnixMillis(rows[used - 1].time) != ToUnixMillis(r.time)) {
      millisecond_start = used;
    }
    auto first = rows.begin() + static_cast<ptrdiff_t>(millisecond_start);
    auto end = rows.begin() + static_cast<ptrdiff_t>(used);
    auto same = std::find_if(first, end, [&](const UsageRecord& row) { return SameRow(row, r); });
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
